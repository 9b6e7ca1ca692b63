from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import redis.exceptions
from redis.asyncio import Redis

from shared.backend.config.settings import Settings
from shared.backend.exceptions.dependencyErrors import classify
from shared.backend.redis.client import createRedisClient
from tests.support.processes import freePort


# A one-connection pool whose connection BLPOP holds for `seconds`; a GET sent meanwhile: how long it took
# and its answer, or the error it raised.
async def getWhileBusy(settings: Settings, poolTimeout: float, seconds: float) -> tuple[float, object]:
    client = createRedisClient(settings.redis.model_copy(update={"maxConnections": 1,
                                                                 "poolTimeoutSeconds": poolTimeout}))
    key = f"test:pool:{uuid.uuid4()}"
    holder = asyncio.create_task(client.blpop([key], timeout=seconds))
    try:
        await asyncio.sleep(0.05)  # BLPOP has the only connection
        started = time.perf_counter()
        try:
            answer: object = await client.get(key)
        except redis.exceptions.ConnectionError as error:
            answer = error
        return time.perf_counter() - started, answer
    finally:
        await holder  # the client closes only once BLPOP is done, whatever the GET raised
        await client.aclose()


async def test_aCommandWaitsForTheBusyPoolInsteadOfFailing(settings: Settings) -> None:
    waited, answer = await getWhileBusy(settings, poolTimeout=2.0, seconds=0.5)
    assert answer is None
    assert waited >= 0.3  # it ran once BLPOP gave the connection back


async def test_aPoolBusyPastItsTimeoutIsACacheOutage(settings: Settings) -> None:
    waited, error = await getWhileBusy(settings, poolTimeout=0.2, seconds=1)
    assert isinstance(error, redis.exceptions.ConnectionError)
    assert 0.15 <= waited < 0.9  # it waited for the pool's timeout, not for BLPOP
    outcome = classify(error)
    assert outcome is not None
    assert (outcome.status, outcome.code) == (503, "service_unavailable")
    assert "cache" in outcome.message


# A Redis at its memory limit answers writes with an OOM error: an outage of the cache (503), not a bug (500).
async def test_aRedisRefusingWritesIsACacheOutage(tmp_path: Path) -> None:
    port = freePort()
    server = await asyncio.create_subprocess_exec(
        "redis-server", "--port", str(port), "--save", "", "--appendonly", "no", "--maxmemory", "2mb",
        "--maxmemory-policy", "noeviction", "--dir", str(tmp_path), stdout=subprocess.DEVNULL)
    client = Redis(port=port)
    try:
        for _ in range(100):
            with contextlib.suppress(redis.exceptions.ConnectionError):
                if await client.ping():
                    break
            await asyncio.sleep(0.05)
        with pytest.raises(redis.exceptions.ResponseError) as refused:
            for index in range(64):
                await client.set(f"fill:{index}", b"x" * 256 * 1024)
        outcome = classify(refused.value)
        assert isinstance(refused.value, redis.exceptions.OutOfMemoryError)
        assert outcome is not None and (outcome.status, outcome.message) == (
            503, "The cache is temporarily unavailable")
        assert classify(redis.exceptions.ResponseError("MISCONF Redis is configured to save RDB snapshots")) \
            == outcome
        assert classify(redis.exceptions.ResponseError("WRONGTYPE Operation against a key")) is None
    finally:
        await client.aclose()
        server.terminate()
        await asyncio.wait_for(server.wait(), 10)
