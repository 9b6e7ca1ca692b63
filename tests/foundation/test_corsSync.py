from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from pathlib import Path

import httpx2
from redis.asyncio import Redis

from shared.backend.config.settings import CorsSettings, RedisSettings, Settings
from shared.backend.middleware.corsSync import CORS_KEY, SETTINGS_CHANNEL
from tests.support.inProcess import runningApp
from tests.support.processes import RedisProcess


async def preflight(client: httpx2.AsyncClient, origin: str) -> httpx2.Response:
    return await client.options("/health", headers={"Origin": origin, "Access-Control-Request-Method": "GET"})


async def waitForOrigin(client: httpx2.AsyncClient, origin: str, withinSeconds: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < withinSeconds:
        response = await client.get("/health", headers={"Origin": origin})
        if response.headers.get("Access-Control-Allow-Origin") == origin:
            return time.monotonic() - started
        await asyncio.sleep(0.05)
    raise AssertionError(f"{origin} not allowed within {withinSeconds}s")


async def test_publishedOriginsApplyWithoutRestart(settings: Settings, tmp_path: Path) -> None:
    from public_server import createPublicApp

    redis = RedisProcess(tmp_path)
    redis.start()
    try:
        local = dataclasses.replace(
            settings,
            redis=RedisSettings(REDIS_URL=redis.url),  # type: ignore[call-arg]
            cors=CorsSettings(CORS_ORIGINS="https://initial.example"),  # type: ignore[call-arg]
        )
        async with runningApp(createPublicApp(local)) as client:
            allowed = await client.get("/health", headers={"Origin": "https://initial.example"})
            assert allowed.headers["Access-Control-Allow-Origin"] == "https://initial.example"
            refused = await preflight(client, "https://new.example")
            assert refused.status_code == 400
            assert refused.json()["error"]["code"] == "cors_rejected"

            publisher = Redis.from_url(redis.url, decode_responses=True)
            await publisher.set(CORS_KEY, json.dumps({"version": 2, "origins": ["https://new.example"]}))
            await publisher.publish(SETTINGS_CHANNEL, CORS_KEY)
            assert await waitForOrigin(client, "https://new.example", withinSeconds=2.0) < 2.0
            accepted = await preflight(client, "https://new.example")
            assert accepted.status_code == 200
            old = await client.get("/health", headers={"Origin": "https://initial.example"})
            assert "Access-Control-Allow-Origin" not in old.headers

            await publisher.set(CORS_KEY, "not json")
            await publisher.publish(SETTINGS_CHANNEL, CORS_KEY)
            await asyncio.sleep(1.2)
            kept = await client.get("/health", headers={"Origin": "https://new.example"})
            assert kept.headers["Access-Control-Allow-Origin"] == "https://new.example"
            await publisher.aclose()
    finally:
        redis.stop()
