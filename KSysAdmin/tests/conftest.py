from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import httpx2
import pytest
from redis.asyncio import Redis

from admin_server import createAdminApp
from KSysAdmin.tests.adminSupport import AdminWorld
from KSysAdmin.tests.migrationSupport import alembicConfig, runAlembic, scratchDatabase
from public_server import createPublicApp
from shared.backend.config.settings import DatabaseSettings, RedisSettings, Settings
from shared.backend.cryptoFactory import CryptoService, createCrypto
from shared.backend.database.engine import Database, createDatabase
from shared.backend.redis.client import createRedisClient
from tests.support.inProcess import runningApp

# The admin API tests run on their own migrated database and Redis db, so that published settings,
# seeded users and audit entries never reach the shared test stack.
ADMIN_TEST_REDIS_DB = 9


@pytest.fixture(scope="session")
async def adminSettings(settings: Settings) -> AsyncIterator[Settings]:
    async with scratchDatabase(settings.database.url.get_secret_value()) as url:
        await runAlembic(alembicConfig(url), "upgrade", "head")
        redisUrl = settings.redis.url.get_secret_value().rsplit("/", 1)[0] + f"/{ADMIN_TEST_REDIS_DB}"
        yield dataclasses.replace(
            settings,
            database=DatabaseSettings(DATABASE_URL=url),  # type: ignore[call-arg]
            redis=RedisSettings(REDIS_URL=redisUrl),  # type: ignore[call-arg]
            # The revoked-key sweep only at the shared app's startup: tests that leave a revoked session's key
            # behind on purpose assert on it (test_revokedKeySweep runs passes of its own).
            auth=settings.auth.model_copy(update={"revokedKeySweepSeconds": 3600}),
        )


@pytest.fixture(scope="session")
async def adminDatabase(adminSettings: Settings) -> AsyncIterator[Database]:
    database = createDatabase(adminSettings.database)
    yield database
    await database.engine.dispose()


@pytest.fixture(scope="session")
async def adminRedis(adminSettings: Settings) -> AsyncIterator[Redis]:
    client = createRedisClient(adminSettings.redis)
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


@pytest.fixture(scope="session")
async def adminClient(adminSettings: Settings, adminRedis: Redis) -> AsyncIterator[httpx2.AsyncClient]:
    async with runningApp(createAdminApp(adminSettings)) as client:
        yield client


# The public server on the same database and Redis: the user's side of an admin action (its sign-ins, its session
# key, a protected route reached with its access token).
@pytest.fixture(scope="session")
async def publicClient(adminSettings: Settings, adminRedis: Redis) -> AsyncIterator[httpx2.AsyncClient]:
    async with runningApp(createPublicApp(adminSettings)) as client:
        yield client


# The crypto module as the servers build it: for seeding TOTP secrets the way KAuthApp's enable stores them.
@pytest.fixture(scope="session")
def cipher(adminSettings: Settings) -> CryptoService:
    return createCrypto(adminSettings.crypto)


@pytest.fixture
def world(
    adminSettings: Settings, adminDatabase: Database, adminRedis: Redis, adminClient: httpx2.AsyncClient
) -> AdminWorld:
    return AdminWorld(adminSettings, adminDatabase, adminRedis, adminClient)
