from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from redis.asyncio import Redis

from admin_server import createAdminApp
from KSysAdmin.backend.infrastructure.background import settingsWatch
from KSysAdmin.tests.migrationSupport import alembicConfig, connectTo, runAlembic, scratchDatabase
from shared.backend.config.settings import DatabaseSettings, RedisSettings, Settings
from tests.support.inProcess import runningApp
from tests.support.processes import RedisProcess

CORS_KEY = "ksysadmin:settings:cors"
RATE_LIMITS_KEY = "ksysadmin:settings:rate-limits"
ORIGINS = ["https://watch.example"]
STORED = {"version": 3, "origins": ORIGINS}
CONFIGURED = {"version": 0, "origins": None}


async def waitForKey(redis: Redis, key: str, withinSeconds: float, differentFrom: str | None = None) -> str:
    deadline = time.monotonic() + withinSeconds
    while (value := await redis.get(key)) is None or value == differentFrom:
        assert time.monotonic() < deadline, f"{key} not published again within {withinSeconds}s"
        await asyncio.sleep(0.05)
    return value


# An admin server with its watch every 0.2 s, on a migrated scratch database holding CORS origins at version 3
# (unless not corsStored; an empty list of rate-limit rules at version 1 when rateLimitsStored) and a private Redis (a
# client to it is yielded) once the watch published them.
@asynccontextmanager
async def watchedAdminServer(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             rateLimitsStored: bool = False, corsStored: bool = True) -> AsyncIterator[Redis]:
    monkeypatch.setattr(settingsWatch, "WATCH_SECONDS", 0.2)
    redisProcess = RedisProcess(tmp_path)
    redisProcess.start()
    try:
        async with scratchDatabase(settings.database.url.get_secret_value()) as url:
            await runAlembic(alembicConfig(url), "upgrade", "head")
            connection = await connectTo(url)
            try:
                if corsStored:
                    await connection.execute("INSERT INTO system_settings (key, value, version, updated_at) "
                                             "VALUES ('cors', $1::jsonb, 3, now())", json.dumps({"origins": ORIGINS}))
                if rateLimitsStored:
                    await connection.execute("INSERT INTO system_settings (key, value, version, updated_at) "
                                             "VALUES ('rate-limits', '{\"rules\": []}'::jsonb, 1, now())")
            finally:
                await connection.close()
            local = dataclasses.replace(settings, database=DatabaseSettings(DATABASE_URL=url),  # type: ignore[call-arg]
                                        redis=RedisSettings(REDIS_URL=redisProcess.url))  # type: ignore[call-arg]
            redis = Redis.from_url(redisProcess.url, decode_responses=True)
            try:
                async with runningApp(createAdminApp(local)):
                    assert json.loads(await waitForKey(redis, CORS_KEY, 5)) == (STORED if corsStored else CONFIGURED)
                    if rateLimitsStored:
                        assert json.loads(await waitForKey(redis, RATE_LIMITS_KEY, 5)) == {"version": 1, "rules": []}
                    yield redis
            finally:
                await redis.aclose()
    finally:
        redisProcess.stop()


# Redis keeps nothing on disk: after a restart (here a flush) the stored CORS origins come back without an admin
# server restart, so a public server that starts meanwhile does not fall back to CORS_ORIGINS alone. Rate limits
# never stored get no key.
async def test_settingsLostFromRedisArePublishedAgain(settings: Settings, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    async with watchedAdminServer(settings, tmp_path, monkeypatch) as redis:
        await redis.flushall()
        assert json.loads(await waitForKey(redis, CORS_KEY, 3)) == STORED
        assert await redis.exists(RATE_LIMITS_KEY) == 0


# A change whose publish failed (503 settings_not_published) while Redis kept its data leaves the older version
# there: the watch replaces it with PostgreSQL's, as it did only for a missing key, so the gateway and the public
# servers followed the older version until the admin server restarted.
async def test_anOutdatedVersionInRedisIsReplaced(settings: Settings, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    async with watchedAdminServer(settings, tmp_path, monkeypatch, rateLimitsStored=True) as redis:
        outdated = json.dumps({"version": 2, "origins": ["https://before.example"]}, separators=(",", ":"))
        await redis.set(CORS_KEY, outdated)
        assert json.loads(await waitForKey(redis, CORS_KEY, 3, differentFrom=outdated)) == STORED


async def waitForAbsence(redis: Redis, key: str, withinSeconds: float) -> None:
    deadline = time.monotonic() + withinSeconds
    while await redis.exists(key):
        assert time.monotonic() < deadline, f"{key} still in Redis after {withinSeconds}s"
        await asyncio.sleep(0.05)


# With nothing stored in PostgreSQL (a restore to a backup taken before any save, a deleted row) a document left in
# Redis, or one unreadable, is removed: the gateway then applies its defaults, as docs/adminApi.md says.
async def test_aDocumentPostgresqlDoesNotHoldIsRemoved(settings: Settings, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    async with watchedAdminServer(settings, tmp_path, monkeypatch) as redis:
        for leftover in (json.dumps({"version": 3, "rules": []}), "not json"):
            await redis.set(RATE_LIMITS_KEY, leftover)
            await waitForAbsence(redis, RATE_LIMITS_KEY, 3)
        assert json.loads(await waitForKey(redis, CORS_KEY, 1)) == STORED


# With no CORS setting in PostgreSQL the servers are told to use CORS_ORIGINS by a document, never by a missing key
# (which they read as Redis having lost it, keeping the origins they have): the watch writes that document over a
# leftover version and after a flush, as it does the stored origins.
async def test_withNoCorsSettingTheWatchPublishesTheConfiguredDocument(settings: Settings, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    async with watchedAdminServer(settings, tmp_path, monkeypatch, corsStored=False) as redis:
        leftover = json.dumps({"version": 3, "origins": ORIGINS})
        await redis.set(CORS_KEY, leftover)
        assert json.loads(await waitForKey(redis, CORS_KEY, 3, differentFrom=leftover)) == CONFIGURED
        await redis.flushall()
        assert json.loads(await waitForKey(redis, CORS_KEY, 3)) == CONFIGURED
        async with redis.pubsub() as pubsub:  # later passes find it as wanted and write nothing
            await pubsub.subscribe("ksysadmin:settings")
            await pubsub.get_message(timeout=1)  # the subscription's confirmation
            assert await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.6) is None
