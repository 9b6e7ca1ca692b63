from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.processes import freePort

MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "backend" / "infrastructure" / "database"


# `alembic upgrade head` as the README runs it, with only the environment given here (no env file unless named).
def runAlembic(environment: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    kept = {name: value for name, value in os.environ.items() if name in ("PATH", "HOME", "LANG")}
    command = [sys.executable, "-m", "alembic", "upgrade", "head"]
    return subprocess.run(command, capture_output=True, text=True, cwd=MIGRATIONS_DIR,
                          env={**kept, "KSERVICES_ENV_FILE": os.devnull, **environment}, timeout=timeout, check=False)


# A database that cannot be reached, a DATABASE_URL the settings refuse and an env file that does not exist are
# each named in alembic's "FAILED:" message (its log repeats it), not in a page of traceback.
@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"DATABASE_URL": "postgresql+asyncpg://postgres:hunter2-pw@127.0.0.1:{port}/kservices"},
         "FAILED: PostgreSQL unreachable at postgresql+asyncpg://postgres:***@127.0.0.1:{port}/kservices: "),
        ({"DATABASE_URL": "mysql://root@127.0.0.1/kservices"}, "FAILED: invalid configuration:"),
        # An unencoded '@' in the password: the masked URL and the DNS error showed the part of it after the '@'.
        ({"DATABASE_URL": "postgresql+asyncpg://postgres:hunter2-pw@Tail@127.0.0.1:{port}/kservices"},
         "FAILED: invalid configuration:\n  DATABASE_URL: Value error, the host cannot be told apart from the user "
         "name or password: percent-encode '@'"),
        ({"KSERVICES_ENV_FILE": "/nonexistent/kservices.env"},
         "FAILED: invalid configuration:\n  KSERVICES_ENV_FILE: /nonexistent/kservices.env does not exist"),
    ],
    ids=["unreachable", "invalid-url", "unencoded-at", "missing-env-file"],
)
def test_alembicNamesTheProblemWithoutATraceback(environment: dict[str, str], expected: str) -> None:
    port = str(freePort())
    result = runAlembic({name: value.format(port=port) for name, value in environment.items()})
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert result.stdout.startswith(expected.format(port=port)), output
    assert "Traceback" not in output
    assert "hunter2-pw" not in output and "Tail" not in output


# A server that takes the connection and never answers fails within DATABASE_CONNECT_TIMEOUT_SECONDS, as the servers
# do, not after asyncpg's own 60 s.
def test_alembicGivesUpOnASilentServerAfterTheConnectTimeout() -> None:
    port = freePort()
    with socket.create_server(("127.0.0.1", port)):
        started = time.monotonic()
        result = runAlembic({"DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:{port}/kservices",
                             "DATABASE_CONNECT_TIMEOUT_SECONDS": "1"}, timeout=30)
        elapsed = time.monotonic() - started
    assert result.returncode != 0
    assert result.stdout.startswith(f"FAILED: PostgreSQL unreachable at postgresql+asyncpg://postgres@127.0.0.1:{port}/"
                                    "kservices: TimeoutError"), result.stdout + result.stderr
    assert elapsed < 10
