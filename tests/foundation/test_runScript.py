from __future__ import annotations

import base64
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from dotenv import dotenv_values

from tests.support.processes import freePort

ROOT = Path(__file__).resolve().parents[2]


# A copy of what scripts/run.sh needs before it installs anything, owned by a user who is not root (pytest's
# tmp_path sits under a directory only its owner may enter).
@pytest.fixture
def copy() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="runScript-") as directory:
        clone = Path(directory) / "clone"
        shutil.copytree(ROOT / "scripts", clone / "scripts")
        shutil.copytree(ROOT / "docker", clone / "docker")  # scripts/lib/gateway.sh sources gatewayValues.sh
        shutil.copy(ROOT / ".env.example", clone / ".env.example")
        if os.geteuid() == 0:
            Path(directory).chmod(0o755)
            subprocess.run(["chown", "-R", "nobody", str(clone)], check=True)
        yield clone


def runAsUser(copy: Path, *arguments: str, path: str = os.environ["PATH"]) -> subprocess.CompletedProcess[str]:
    command = ["bash", "scripts/run.sh", *arguments]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "nobody", "--", *command]
    return subprocess.run(command, cwd=copy, capture_output=True, text=True, timeout=60,
                          env={"PATH": path, "HOME": str(copy)})


def test_envModeGivesAUserWhoIsNotRootPort8080(copy: Path) -> None:
    written = runAsUser(copy, "env")
    assert written.returncode == 0, written.stderr
    values = dotenv_values(copy / ".env")
    assert (values["GATEWAY_PORT"], values["PUBLIC_BASE_URL"], values["CORS_ORIGINS"]) == (
        "8080", "http://localhost:8080", "http://localhost:8080")
    assert values["CRYPTO_MASTER_KEY"] != dotenv_values(ROOT / ".env.example")["CRYPTO_MASTER_KEY"]
    assert (copy / ".env").stat().st_mode & 0o777 == 0o600


# .env holds the generated secrets from its first byte: it is created 0600, not made so afterwards (a chmod
# that does nothing changes nothing).
def test_envFileIsNeverReadableByOthers(copy: Path) -> None:
    shims = copy / "shims"
    shims.mkdir()
    (shims / "chmod").write_text("#!/bin/sh\nexit 0\n")
    (shims / "chmod").chmod(0o755)
    written = runAsUser(copy, "env", path=f"{shims}:{os.environ['PATH']}")
    assert written.returncode == 0, written.stderr
    assert (copy / ".env").stat().st_mode & 0o077 == 0


# Refused before anything is installed, with the variables to change.
def test_privilegedGatewayPortIsRefusedUpFrontForAUserWhoIsNotRoot(copy: Path) -> None:
    assert runAsUser(copy, "env").returncode == 0
    envFile = copy / ".env"
    envFile.write_text(envFile.read_text().replace("GATEWAY_PORT=8080", "GATEWAY_PORT=80"))
    started = runAsUser(copy)
    assert started.returncode == 1
    assert "GATEWAY_PORT=80" in started.stderr and "needs root" in started.stderr
    assert "Installing" not in started.stdout


# An older or hand-written .env without the key: its default applies (80, refused for this user with the
# reason), where a missing key used to end the script at once, silently, under `set -euo pipefail`.
def test_aKeyMissingFromTheEnvFileTakesItsDefault(copy: Path) -> None:
    assert runAsUser(copy, "env").returncode == 0
    envFile = copy / ".env"
    envFile.write_text("".join(line for line in envFile.read_text().splitlines(keepends=True)
                               if not line.startswith("GATEWAY_PORT=")))
    started = runAsUser(copy)
    assert started.returncode == 1
    assert "GATEWAY_PORT=80" in started.stderr and "needs root" in started.stderr


def test_unknownArgumentIsRefused(copy: Path) -> None:
    refused = runAsUser(copy, "start")
    assert refused.returncode == 1
    assert "usage: scripts/run.sh [env]" in refused.stderr


def services(command: str) -> subprocess.CompletedProcess[str]:
    script = f"source scripts/lib/common.sh; source scripts/lib/services.sh; {command}"
    return subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)


def redisAnswers(port: int) -> bool:
    answer = subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True)
    return answer.stdout.strip() == "PONG"


# Another checkout's stack on the same port (a second clone running pytest): its Redis is never stopped or shared.
def test_redisOfAnotherCheckoutIsNeitherStoppedNorShared(tmp_path: Path) -> None:
    port, ours, other = freePort(), tmp_path / "ours", tmp_path / "other"
    ours.mkdir()
    assert services(f"startRedis {other} {port}").returncode == 0
    try:
        assert services(f"stopRedis {ours} {port}").returncode == 0
        assert redisAnswers(port)
        shared = services(f"startRedis {ours} {port}")
        assert shared.returncode == 1
        assert f"taken by a Redis started from {other}" in shared.stderr
        assert services(f"stopRedis {other} {port}").returncode == 0
        assert not redisAnswers(port)
    finally:
        subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True)


# Under set -e and pipefail, as the scripts run: a port where no Redis answers is not an error.
def test_startAndStopRedisOnAFreePortUnderErrexit(tmp_path: Path) -> None:
    port = freePort()
    started = services(f"set -euo pipefail; stopRedis {tmp_path} {port}; startRedis {tmp_path} {port}; echo up")
    try:
        assert started.returncode == 0, started.stderr
        assert started.stdout.strip().endswith("up") and redisAnswers(port)
        assert services(f"set -euo pipefail; stopRedis {tmp_path} {port}").returncode == 0
        assert not redisAnswers(port)
    finally:
        subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True)


def checkSettings(envFile: Path) -> subprocess.CompletedProcess[str]:
    script = f"set -euo pipefail; source scripts/lib/common.sh; source scripts/lib/stack.sh; checkSettings {envFile}"
    return subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root")})


# A short JWT_SECRET was reported only when the servers started, minutes later (after the installs, the frontend
# builds, PostgreSQL, Redis, the migrations and the simulator): run.sh now checks the settings right after the Python
# dependencies, with the servers' own lines naming each variable.
def test_runScriptChecksTheSettingsBeforeStartingAnything(tmp_path: Path) -> None:
    envFile = tmp_path / ".env"
    valid = (ROOT / ".env.example").read_text().replace(
        "CRYPTO_MASTER_KEY=change-me", "CRYPTO_MASTER_KEY=" + base64.b64encode(b"k" * 32).decode())
    envFile.write_text(valid.replace("JWT_SECRET=", "JWT_SECRET=too-short\n# was: ", 1))
    refused = checkSettings(envFile)
    assert refused.returncode == 1
    assert "JWT_SECRET: Value error, must be at least 32 characters" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr and "too-short" not in refused.stderr + refused.stdout
    envFile.write_text(valid)
    assert checkSettings(envFile).returncode == 0
    steps = [line.strip() for line in (ROOT / "scripts" / "run.sh").read_text().splitlines()]
    checked = steps.index('checkSettings "$ENV_FILE"')
    assert steps.index("ensurePythonDeps") < checked < steps.index("buildFrontends build:dev")
    assert all(checked < number for number, line in enumerate(steps) if line.startswith(("start", "runMigrations")))
