from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx2
import pytest

from shared.backend.config.settings import Settings
from shared.backend.database.engine import Database
from shared.backend.redis.client import createRedisClient
from tests.security.securitySupport import AccountFactory, Actors


@pytest.fixture(scope="module")
async def actors(settings: Settings, database: Database) -> AsyncIterator[Actors]:
    redis = createRedisClient(settings.redis)
    factory = AccountFactory(settings, database, redis)
    try:
        yield Actors(
            factory,
            await factory.create(["user"], "sec-user"),
            await factory.create(["user"], "sec-other"),
            await factory.create(["user", "admin"], "sec-admin"),
            await factory.create(["user", "admin", "superadmin"], "sec-super"),
        )
    finally:
        await factory.cleanup()
        await redis.aclose()


@pytest.fixture(scope="module")
def http() -> Iterator[httpx2.Client]:
    with httpx2.Client(timeout=15) as client:
        yield client


@pytest.fixture
async def ahttp() -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(timeout=15) as client:
        yield client
