from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from tests.support.processes import freePort

ROOT = Path(__file__).resolve().parents[2]

# nginx's master started as root runs its workers as nobody (no user directive).
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the workers run as nobody only under a root master")


# A checkout under a directory only its owner may enter (a clone in /root), with no PostgreSQL started from it:
# nothing else has made its parents traversable.
@pytest.fixture
def checkout() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="workerAccess-") as directory:
        private = Path(directory) / "home"
        clone = private / "clone"
        for part in ("scripts", "docker", "nginx"):
            shutil.copytree(ROOT / part, clone / part)
        private.chmod(0o700)
        yield clone


def gateway(clone: Path, command: str) -> subprocess.CompletedProcess[str]:
    environment = os.environ | {
        "GATEWAY_PORT": str(freePort()), "PUBLIC_UPSTREAM": f"127.0.0.1:{freePort()}",
        "ADMIN_UPSTREAM": f"127.0.0.1:{freePort()}", "GATEWAY_REDIS_HOST": "127.0.0.1",
        "GATEWAY_REDIS_PORT": str(freePort()), "GATEWAY_REDIS_DB": "0", "GATEWAY_TRUSTED_PROXIES": "",
    }
    script = (f"set -euo pipefail; source scripts/lib/common.sh; source scripts/lib/gateway.sh; {command}; "
              "echo \"port=$GATEWAY_PORT\"")
    return subprocess.run(["bash", "-c", script], cwd=clone, env=environment, capture_output=True, text=True,
                          timeout=60)


def test_theGatewayStartMakesTheCheckoutReachableForItsWorkers(checkout: Path) -> None:
    run = checkout / ".run" / "dev" / "gateway"
    started = gateway(checkout, f"startGateway {run}")
    try:
        assert started.returncode == 0, started.stderr
        port = started.stdout.strip().rsplit("port=", 1)[1]
        response = httpx2.get(f"http://127.0.0.1:{port}/auth/", timeout=5)
        assert response.status_code == 200, response.text
        assert "This frontend has not been built yet." in response.text
        assert checkout.parent.stat().st_mode & 0o001
        assert f"chmod o+x {checkout.parent} (nginx's worker" in started.stdout
    finally:
        gateway(checkout, f"stopGateway {run}")


# What a chmod of the parents cannot fix (a file the worker may not read) stops the start, named.
def test_aFileTheWorkerCannotReadStopsTheStart(checkout: Path) -> None:
    page = checkout / "nginx" / "placeholder" / "index.html"
    page.chmod(0o600)
    run = checkout / ".run" / "dev" / "gateway"
    started = gateway(checkout, f"startGateway {run}")
    try:
        assert started.returncode == 1
        assert f"nginx's worker (user nobody) cannot read {page}" in started.stderr
        pidFile = run / "nginx.pid"  # nginx -t, which checked the configuration, leaves it empty
        assert not pidFile.exists() or not pidFile.read_text().strip()
    finally:
        gateway(checkout, f"stopGateway {run}")
