from __future__ import annotations

import dataclasses
from pathlib import Path

from fastapi import FastAPI

from shared.backend.config.settings import RedisSettings, Settings
from tests.support.inProcess import runningApp
from tests.support.processes import RedisProcess


def buildPublicApp(settings: Settings) -> FastAPI:
    from public_server import createPublicApp

    return createPublicApp(settings)


async def test_healthReportsEachComponent(settings: Settings) -> None:
    async with runningApp(buildPublicApp(settings)) as client:
        response = await client.get("/health")
    assert response.status_code == 200
    components = response.json()["components"]
    assert {"database", "redis"} <= set(components)
    for component in components.values():
        assert component["status"] == "up"
        assert component["latencyMs"] >= 0


async def test_stoppedRedisGives503NamingRedis(settings: Settings, tmp_path: Path) -> None:
    redis = RedisProcess(tmp_path)
    redis.start()
    try:
        local = dataclasses.replace(settings, redis=RedisSettings(REDIS_URL=redis.url))  # type: ignore[call-arg]
        async with runningApp(buildPublicApp(local)) as client:
            assert (await client.get("/health")).status_code == 200
            redis.stop()
            response = await client.get("/health")
            assert response.status_code == 503 and response.headers["Retry-After"] == "5"
            assert (await client.head("/health")).status_code == 503
            error = response.json()["error"]
            assert error["code"] == "service_unavailable"
            assert "redis" in error["message"]
            down = {item["component"]: item["status"] for item in error["details"]}
            assert down == {"database": "up", "redis": "down"} | {
                name: "up" for name in down if name not in ("database", "redis")
            }
            redis.start()
            recovered = await client.get("/health")
            assert recovered.status_code == 200
    finally:
        redis.stop()
