from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.processes import freePort

ROOT = Path(__file__).resolve().parents[2]
LIBS = ("source scripts/lib/common.sh; source scripts/lib/services.sh; source scripts/lib/stack.sh; "
        "source scripts/lib/gateway.sh; ")
asRoot = pytest.mark.skipif(os.geteuid() != 0, reason="runs PostgreSQL's tools as the postgres user")


def scripts(command: str, environment: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", "set -euo pipefail; " + LIBS + command], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env=environment)


def alive(process: subprocess.Popen[bytes]) -> bool:
    time.sleep(0.2)
    return process.poll() is None


# Exited (a zombie its parent has not reaped yet counts).
def gone(pid: int) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


# A process that has nothing to do with the stack holds the pid a leftover pid file names (after a reboot, or a
# run killed without cleanup): the scripts run as root, so signalling it would stop anything.
@pytest.fixture
def decoy() -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(["sleep", "300"])
    yield process
    process.kill()
    process.wait()


def test_aServerPidFileNamingAnotherProcessStopsNothing(tmp_path: Path, decoy: subprocess.Popen[bytes]) -> None:
    (tmp_path / "public.pid").write_text(f"{decoy.pid}\n")
    result = scripts(f"stopServer {tmp_path} public public_server:app")
    assert result.returncode == 0, result.stderr
    assert alive(decoy)
    assert not (tmp_path / "public.pid").exists()
    assert f"process {decoy.pid} is not" in result.stdout and "stale pid file" in result.stdout


def test_theServerItStartedIsStopped(tmp_path: Path) -> None:
    # The arguments startUvicorn gives this checkout's Python (here to a sleep).
    server = subprocess.Popen([str(ROOT / ".venv/bin/python"), "-c", "import time; time.sleep(300)", "-m", "uvicorn",
                               "admin_server:app"])
    try:
        # Another server's pid is not this one's.
        (tmp_path / "public.pid").write_text(f"{server.pid}\n")
        assert scripts(f"stopServer {tmp_path} public public_server:app").returncode == 0
        assert alive(server)
        (tmp_path / "admin.pid").write_text(f"{server.pid}\n")
        result = scripts(f"stopServer {tmp_path} admin admin_server:app")
        assert result.returncode == 0, result.stderr
        assert server.wait(timeout=10) is not None
        assert not (tmp_path / "admin.pid").exists() and "stale" not in result.stdout
    finally:
        server.kill()
        server.wait()


# startUvicorn writes the pid of its background subshell, which becomes uvicorn only once it has exec'd: a stop
# that comes first still stops it (it is this shell's child).
def test_aServerNotYetExecutedIsStillStopped(tmp_path: Path) -> None:
    result = scripts(f'(sleep 0.5; exec sleep 300) & echo $! >{tmp_path}/public.pid; pid=$!; '
                     f'stopServer {tmp_path} public public_server:app; '
                     'if kill -0 "$pid" 2>/dev/null; then echo running; else echo stopped; fi')
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("stopped")


def test_aGatewayPidFileNamingAnotherProcessStopsNothing(tmp_path: Path, decoy: subprocess.Popen[bytes]) -> None:
    (tmp_path / "nginx.pid").write_text(f"{decoy.pid}\n")
    (tmp_path / "nginx.conf").write_text("")
    result = scripts(f"stopGateway {tmp_path}")
    assert result.returncode == 0, result.stderr
    assert alive(decoy)
    assert not (tmp_path / "nginx.pid").exists()
    assert "stale pid file" in result.stdout


def test_theGatewayItStartedIsStopped(tmp_path: Path) -> None:
    environment = os.environ | {
        "GATEWAY_PORT": str(freePort()), "PUBLIC_UPSTREAM": f"127.0.0.1:{freePort()}",
        "ADMIN_UPSTREAM": f"127.0.0.1:{freePort()}", "GATEWAY_REDIS_HOST": "127.0.0.1",
        "GATEWAY_REDIS_PORT": str(freePort()), "GATEWAY_REDIS_DB": "0", "GATEWAY_TRUSTED_PROXIES": "",
    }
    started = scripts(f"startGateway {tmp_path}", environment)
    assert started.returncode == 0, started.stderr
    master = int((tmp_path / "nginx.pid").read_text())
    try:
        stopped = scripts(f"stopGateway {tmp_path}", environment)
        assert stopped.returncode == 0, stopped.stderr
        assert not (tmp_path / "nginx.pid").exists()
        assert gone(master)
    finally:
        if not gone(master):
            os.kill(master, 9)


# Under a directory the postgres user can reach (pytest's own is its owner's only).
@pytest.fixture
def clusterDir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="stalePid-") as directory:
        Path(directory).chmod(0o755)
        yield Path(directory) / "postgres"


# pg_ctl signals the pid in postmaster.pid as the postgres user: a process of that user which took the pid is
# left alone, and the stale file is removed (a server would refuse to start while it names a live process).
@asRoot
def test_aPostmasterPidFileNamingAnotherProcessStopsNothing(clusterDir: Path) -> None:
    data = clusterDir / "data"
    data.mkdir(parents=True)
    decoy = subprocess.Popen(["sleep", "300"], user="postgres", group="postgres")
    try:
        (data / "postmaster.pid").write_text(f"{decoy.pid}\n{data}\n")
        (data / "PG_VERSION").write_text("15\n")
        shutil.chown(clusterDir, "postgres", "postgres")
        for path in [data, *data.iterdir()]:
            shutil.chown(path, "postgres", "postgres")
        result = scripts(f"stopPostgres {clusterDir}")
        assert result.returncode == 0, result.stderr
        assert alive(decoy)
        assert not (data / "postmaster.pid").exists()
        assert f"process {decoy.pid} is not the PostgreSQL server of {data}" in result.stdout
    finally:
        decoy.kill()
        decoy.wait()


# The cluster startPostgres made is stopped; and one whose postmaster.pid went stale starts again.
@asRoot
def test_aStalePostmasterPidFileNeitherStopsNorBlocksTheCluster(clusterDir: Path) -> None:
    port = freePort()
    ready = ["pg_isready", "-h", "127.0.0.1", "-p", str(port)]
    binDir = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    assert scripts(f'startPostgres {clusterDir} {port} postgres "-c fsync=off"').returncode == 0
    try:
        assert subprocess.run([str(binDir / ready[0]), *ready[1:]], capture_output=True).returncode == 0
        assert scripts(f"stopPostgres {clusterDir}").returncode == 0
        assert subprocess.run([str(binDir / ready[0]), *ready[1:]], capture_output=True).returncode != 0
        decoy = subprocess.Popen(["sleep", "300"], user="postgres", group="postgres")
        try:
            (clusterDir / "data" / "postmaster.pid").write_text(f"{decoy.pid}\n{clusterDir / 'data'}\n")
            started = scripts(f'startPostgres {clusterDir} {port} postgres "-c fsync=off"')
            assert started.returncode == 0, started.stderr
            assert alive(decoy) and "stale pid file" in started.stdout
        finally:
            decoy.kill()
            decoy.wait()
    finally:
        scripts(f"stopPostgres {clusterDir}")
