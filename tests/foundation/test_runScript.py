from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from dotenv import dotenv_values

ROOT = Path(__file__).resolve().parents[2]


# A copy of what scripts/run.sh needs before it installs anything, owned by a user who is not root (pytest's
# tmp_path sits under a directory only its owner may enter).
@pytest.fixture
def copy() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="runScript-") as directory:
        clone = Path(directory) / "clone"
        shutil.copytree(ROOT / "scripts", clone / "scripts")
        shutil.copy(ROOT / ".env.example", clone / ".env.example")
        if os.geteuid() == 0:
            Path(directory).chmod(0o755)
            subprocess.run(["chown", "-R", "nobody", str(clone)], check=True)
        yield clone


def runAsUser(copy: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    command = ["bash", "scripts/run.sh", *arguments]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "nobody", "--", *command]
    return subprocess.run(command, cwd=copy, capture_output=True, text=True, timeout=60,
                          env={"PATH": os.environ["PATH"], "HOME": str(copy)})


def test_envModeGivesAUserWhoIsNotRootPort8080(copy: Path) -> None:
    written = runAsUser(copy, "env")
    assert written.returncode == 0, written.stderr
    values = dotenv_values(copy / ".env")
    assert (values["GATEWAY_PORT"], values["PUBLIC_BASE_URL"], values["CORS_ORIGINS"]) == (
        "8080", "http://localhost:8080", "http://localhost:8080")
    assert values["CRYPTO_MASTER_KEY"] != dotenv_values(ROOT / ".env.example")["CRYPTO_MASTER_KEY"]
    assert (copy / ".env").stat().st_mode & 0o777 == 0o600


# Refused before anything is installed, with the variables to change.
def test_privilegedGatewayPortIsRefusedUpFrontForAUserWhoIsNotRoot(copy: Path) -> None:
    assert runAsUser(copy, "env").returncode == 0
    envFile = copy / ".env"
    envFile.write_text(envFile.read_text().replace("GATEWAY_PORT=8080", "GATEWAY_PORT=80"))
    started = runAsUser(copy)
    assert started.returncode == 1
    assert "GATEWAY_PORT=80" in started.stderr and "needs root" in started.stderr
    assert "Installing" not in started.stdout


def test_unknownArgumentIsRefused(copy: Path) -> None:
    refused = runAsUser(copy, "start")
    assert refused.returncode == 1
    assert "usage: scripts/run.sh [env]" in refused.stderr
