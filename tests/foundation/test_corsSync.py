from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx2
import pytest
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


@pytest.fixture
def privateRedis(tmp_path: Path) -> Iterator[RedisProcess]:
    redis = RedisProcess(tmp_path)
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()


async def assertRefused(client: httpx2.AsyncClient, origin: str) -> None:
    refused = await preflight(client, origin)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "cors_rejected"


# The published origin is allowed and the configured one, which it replaced, is refused.
async def assertFollowsPublished(client: httpx2.AsyncClient) -> None:
    assert (await preflight(client, "https://new.example")).status_code == 200
    await assertRefused(client, "https://initial.example")


async def waitForPreflight(client: httpx2.AsyncClient, origin: str, status: int, withinSeconds: float) -> None:
    started = time.monotonic()
    while (await preflight(client, origin)).status_code != status:
        assert time.monotonic() - started < withinSeconds, f"{origin}'s preflight not {status} within {withinSeconds}s"
        await asyncio.sleep(0.05)


def logLabels(capsys: pytest.CaptureFixture[str]) -> list[object]:
    lines = capsys.readouterr().out.splitlines()
    return [json.loads(line).get("label") for line in lines if line.startswith("{")]


@asynccontextmanager
async def followingPublished(settings: Settings,
                             redis: RedisProcess) -> AsyncIterator[tuple[httpx2.AsyncClient, Redis]]:
    from public_server import createPublicApp

    local = dataclasses.replace(
        settings,
        redis=RedisSettings(REDIS_URL=redis.url),  # type: ignore[call-arg]
        cors=CorsSettings(CORS_ORIGINS="https://initial.example"),  # type: ignore[call-arg]
    )
    async with runningApp(createPublicApp(local)) as client:
        publisher = Redis.from_url(redis.url, decode_responses=True)
        try:
            await publisher.set(CORS_KEY, json.dumps({"version": 2, "origins": ["https://new.example"]}))
            await publisher.publish(SETTINGS_CHANNEL, CORS_KEY)
            await waitForPreflight(client, "https://new.example", 200, withinSeconds=2.0)
            assert (await preflight(client, "https://initial.example")).status_code == 400
            yield client, publisher
        finally:
            await publisher.aclose()


# The document the admin server publishes when PostgreSQL holds no CORS setting (cleared, or a restore to before any
# save): an origin it had published is refused again and CORS_ORIGINS apply, logged once however many polls follow.
async def test_theConfiguredDocumentBringsBackCorsOrigins(settings: Settings, privateRedis: RedisProcess,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    async with followingPublished(settings, privateRedis) as (client, publisher):
        capsys.readouterr()
        await publisher.set(CORS_KEY, json.dumps({"version": 0, "origins": None}))
        await publisher.publish(SETTINGS_CHANNEL, CORS_KEY)
        await waitForPreflight(client, "https://initial.example", 200, withinSeconds=2.0)
        await assertRefused(client, "https://new.example")
        await asyncio.sleep(2.5)  # two more polls read the same document
        assert logLabels(capsys).count("cors_restored") == 1
        assert (await preflight(client, "https://new.example")).status_code == 400


# A missing key is not the admin's intent: Redis lost it (a restart without its data, a flush, an eviction) and the
# admin server publishes it again within 5 s, or not at all while it is down. An origin the admin removed from
# CORS_ORIGINS must not be allowed again meanwhile (KAuthApp's refresh cookie follows the same set).
async def test_aMissingDocumentKeepsThePublishedOrigins(settings: Settings, privateRedis: RedisProcess,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    async with followingPublished(settings, privateRedis) as (client, publisher):
        capsys.readouterr()
        await publisher.delete(CORS_KEY)
        await publisher.publish(SETTINGS_CHANNEL, CORS_KEY)
        await asyncio.sleep(2.5)  # the announcement and two polls find the key absent
        await assertFollowsPublished(client)
        assert "cors_restored" not in logLabels(capsys)


async def waitForLog(capsys: pytest.CaptureFixture[str], label: str, withinSeconds: float) -> None:
    started = time.monotonic()
    while label not in logLabels(capsys):
        assert time.monotonic() - started < withinSeconds, f"no {label} within {withinSeconds}s"
        await asyncio.sleep(0.1)


# A Redis error keeps the published origins, whether Redis refuses the read (here its ACL, while the subscription
# stands) or cannot be reached; so does a Redis that comes back without its data (it keeps nothing on disk), until
# the admin server publishes again.
async def test_aRedisErrorKeepsThePublishedOrigins(settings: Settings, privateRedis: RedisProcess,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    async with followingPublished(settings, privateRedis) as (client, publisher):
        capsys.readouterr()
        await publisher.execute_command("ACL", "SETUSER", "default", "-get")
        await asyncio.sleep(2.5)  # two refused reads
        await assertFollowsPublished(client)
        assert "cors_sync_failed" in logLabels(capsys)
        await publisher.execute_command("ACL", "SETUSER", "default", "+get")
        await asyncio.sleep(1.5)  # the follower reads the document again
        privateRedis.stop()
        await waitForLog(capsys, "cors_sync_failed", withinSeconds=5.0)
        await asyncio.sleep(1.5)
        await assertFollowsPublished(client)
        privateRedis.start()
        await asyncio.sleep(3.0)  # the follower reconnects (every second) and finds no key
        await assertFollowsPublished(client)
        assert "cors_restored" not in logLabels(capsys)
