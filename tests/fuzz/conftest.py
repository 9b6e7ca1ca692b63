from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from shared.backend.config.settings import Settings
from shared.backend.database.engine import Database
from shared.backend.redis.client import createRedisClient
from tests.security.securitySupport import AccountFactory

LOG_NAMES = ("public.log", "admin.log")
# Fixed budget for scripts/test.sh; FUZZ_EXAMPLES=500 uv run pytest tests/fuzz for the long run.
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))


@dataclass(frozen=True)
class FuzzTokens:
    user: str
    superadmin: str


def unhandledCount(runDir: Path) -> int:
    total = 0
    for name in LOG_NAMES:
        path = runDir / name
        if path.is_file():
            total += sum(1 for line in path.read_text(errors="replace").splitlines() if "unhandled_exception" in line)
    return total


@pytest.fixture(scope="session")
def unhandledBefore(runDir: Path) -> int:
    return unhandledCount(runDir)


@pytest.fixture(scope="session")
async def fuzzTokens(settings: Settings, database: Database, unhandledBefore: int) -> AsyncIterator[FuzzTokens]:
    redis = createRedisClient(settings.redis)
    factory = AccountFactory(settings, database, redis)
    user = await factory.create(["user"], "fuzz-user")
    superadmin = await factory.create(["user", "admin", "superadmin"], "fuzz-super")
    try:
        yield FuzzTokens(user.userToken, superadmin.adminToken)
    finally:
        await factory.cleanup()
        await redis.aclose()
