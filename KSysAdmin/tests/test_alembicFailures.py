from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.processes import freePort

MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "backend" / "infrastructure" / "database"


# `alembic upgrade head` as the README runs it, with only the environment given here (no env file unless named).
def runAlembic(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    kept = {name: value for name, value in os.environ.items() if name in ("PATH", "HOME", "LANG")}
    command = [sys.executable, "-m", "alembic", "upgrade", "head"]
    return subprocess.run(command, capture_output=True, text=True, cwd=MIGRATIONS_DIR,
                          env={**kept, "KSERVICES_ENV_FILE": os.devnull, **environment}, timeout=60, check=False)


# A database that cannot be reached, a DATABASE_URL the settings refuse and an env file that does not exist are
# each named in alembic's "FAILED:" message (its log repeats it), not in a page of traceback.
@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"DATABASE_URL": "postgresql+asyncpg://postgres:hunter2-pw@127.0.0.1:{port}/kservices"},
         "FAILED: PostgreSQL unreachable at postgresql+asyncpg://postgres:***@127.0.0.1:{port}/kservices: "),
        ({"DATABASE_URL": "mysql://root@127.0.0.1/kservices"}, "FAILED: invalid configuration:"),
        ({"KSERVICES_ENV_FILE": "/nonexistent/kservices.env"},
         "FAILED: invalid configuration:\n  KSERVICES_ENV_FILE: /nonexistent/kservices.env does not exist"),
    ],
    ids=["unreachable", "invalid-url", "missing-env-file"],
)
def test_alembicNamesTheProblemWithoutATraceback(environment: dict[str, str], expected: str) -> None:
    port = str(freePort())
    result = runAlembic({name: value.format(port=port) for name, value in environment.items()})
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert result.stdout.startswith(expected.format(port=port)), output
    assert "Traceback" not in output
    assert "hunter2-pw" not in output
