from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from dotenv import dotenv_values

ROOT = Path(__file__).resolve().parents[2]


def envFile(command: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    script = (f'set -euo pipefail; source "{ROOT}/scripts/lib/common.sh"; '
              f'source "{ROOT}/scripts/lib/envFile.sh"; {command}')
    return subprocess.run(["bash", "-c", script, "envFile", *arguments], capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize(("url", "expected"), [
    ("redis://:pa?ss@h:6379/0", "h:6379"),
    ("redis://:pa/ss@h:6379/0", "h:6379"),
    ("redis://:pa#ss@h:6379/0", "h:6379"),
    ("redis://:p@ss@h:6379/0", "h:6379"),
    ("postgresql+asyncpg://kservices:pa?ss/wd@db.internal:5432/kservices?ssl=require", "db.internal:5432"),
    ("postgresql+asyncpg://postgres@127.0.0.1:15432/kservices", "127.0.0.1:15432"),
    ("redis://h:6380?socket_timeout=2", "h:6380"),
    ("http://127.0.0.1:8090", "127.0.0.1:8090"),
])
def test_hostPortNeverShowsAPassword(url: str, expected: str) -> None:
    result = envFile('hostPort "$1"', url)
    assert (result.returncode, result.stdout.strip()) == (0, expected)


# The secrets a new .env gets never pass through a command line (any user can read /proc/<pid>/cmdline).
def test_generatedSecretsNeverAppearInACommandLine(tmp_path: Path) -> None:
    clone, shims, log = tmp_path / "clone", tmp_path / "shims", tmp_path / "commands.log"
    shutil.copytree(ROOT / "scripts", clone / "scripts")
    shutil.copytree(ROOT / "docker", clone / "docker")
    shutil.copy(ROOT / ".env.example", clone / ".env.example")
    shims.mkdir()
    for tool in ("awk", "sed", "head", "base64", "tr", "od", "cat", "env", "cut", "grep"):
        real = shutil.which(tool)
        assert real is not None
        (shims / tool).write_text(f'#!/bin/sh\nprintf "%s\\n" "{tool} $*" >>"{log}"\nexec "{real}" "$@"\n')
        (shims / tool).chmod(0o755)
    written = subprocess.run(["bash", "scripts/run.sh", "env"], cwd=clone, capture_output=True, text=True, timeout=60,
                             env={"PATH": f"{shims}:{os.environ['PATH']}", "HOME": str(tmp_path)})
    assert written.returncode == 0, written.stderr
    values = dotenv_values(clone / ".env")
    secrets = [values[name] for name in ("JWT_SECRET", "CRYPTO_MASTER_KEY", "BRI_CLIENT_SECRET")]
    example = dotenv_values(ROOT / ".env.example")
    assert all(secret and secret != example[name] for secret, name in
               zip(secrets, ("JWT_SECRET", "CRYPTO_MASTER_KEY", "BRI_CLIENT_SECRET"), strict=True))
    commands = log.read_text()
    assert "head -c" in commands  # the shims saw the commands
    assert not [secret for secret in secrets if secret and secret in commands]
