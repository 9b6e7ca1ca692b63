from __future__ import annotations

import asyncio
import time
import uuid

import pytest
import redis.exceptions

from shared.backend.config.settings import Settings
from shared.backend.exceptions.dependencyErrors import classify
from shared.backend.redis.client import createRedisClient


# A one-connection pool whose connection BLPOP holds for `seconds`, then the answer to a GET sent meanwhile.
async def getWhileBusy(settings: Settings, poolTimeout: float, seconds: float) -> tuple[float, str | None]:
    client = createRedisClient(settings.redis.model_copy(update={"maxConnections": 1,
                                                                 "poolTimeoutSeconds": poolTimeout}))
    key = f"test:pool:{uuid.uuid4()}"
    try:
        holder = asyncio.create_task(client.blpop([key], timeout=seconds))
        await asyncio.sleep(0.05)  # BLPOP has the only connection
        started = time.perf_counter()
        try:
            answer = await client.get(key)
        finally:
            await holder
        return time.perf_counter() - started, answer
    finally:
        await client.aclose()


async def test_aCommandWaitsForTheBusyPoolInsteadOfFailing(settings: Settings) -> None:
    waited, answer = await getWhileBusy(settings, poolTimeout=2.0, seconds=0.5)
    assert answer is None
    assert waited >= 0.3  # it ran once BLPOP gave the connection back


async def test_aPoolBusyPastItsTimeoutIsACacheOutage(settings: Settings) -> None:
    started = time.perf_counter()
    with pytest.raises(redis.exceptions.ConnectionError) as raised:
        await getWhileBusy(settings, poolTimeout=0.2, seconds=1)
    assert time.perf_counter() - started < 1.5
    outcome = classify(raised.value)
    assert outcome is not None
    assert (outcome.status, outcome.code) == (503, "service_unavailable")
    assert "cache" in outcome.message
