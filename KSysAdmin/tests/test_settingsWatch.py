from __future__ import annotations

import asyncio
import dataclasses
import json
import time
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


async def waitForKey(redis: Redis, key: str, withinSeconds: float) -> str:
    deadline = time.monotonic() + withinSeconds
    while (value := await redis.get(key)) is None:
        assert time.monotonic() < deadline, f"{key} not published again within {withinSeconds}s"
        await asyncio.sleep(0.05)
    return value


# Redis keeps nothing on disk: after a restart (here a flush) the stored CORS origins come back without an admin
# server restart, so a public server that starts meanwhile does not fall back to CORS_ORIGINS alone. A setting
# never stored gets no key.
async def test_settingsLostFromRedisArePublishedAgain(settings: Settings, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settingsWatch, "WATCH_SECONDS", 0.2)
    redisProcess = RedisProcess(tmp_path)
    redisProcess.start()
    try:
        async with scratchDatabase(settings.database.url.get_secret_value()) as url:
            await runAlembic(alembicConfig(url), "upgrade", "head")
            connection = await connectTo(url)
            try:
                await connection.execute("INSERT INTO system_settings (key, value, version, updated_at) "
                                         "VALUES ('cors', $1::jsonb, 3, now())", json.dumps({"origins": ORIGINS}))
            finally:
                await connection.close()
            local = dataclasses.replace(settings, database=DatabaseSettings(DATABASE_URL=url),  # type: ignore[call-arg]
                                        redis=RedisSettings(REDIS_URL=redisProcess.url))  # type: ignore[call-arg]
            redis = Redis.from_url(redisProcess.url, decode_responses=True)
            try:
                async with runningApp(createAdminApp(local)):
                    expected = {"version": 3, "origins": ORIGINS}
                    assert json.loads(await waitForKey(redis, CORS_KEY, 5)) == expected
                    await redis.flushall()
                    assert json.loads(await waitForKey(redis, CORS_KEY, 3)) == expected
                    assert await redis.exists(RATE_LIMITS_KEY) == 0
            finally:
                await redis.aclose()
    finally:
        redisProcess.stop()
