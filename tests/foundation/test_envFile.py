from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from dotenv import dotenv_values

ROOT = Path(__file__).resolve().parents[2]


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
