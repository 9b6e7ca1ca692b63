from __future__ import annotations

import asyncio
import time
import uuid

import redis.exceptions

from shared.backend.config.settings import Settings
from shared.backend.exceptions.dependencyErrors import classify
from shared.backend.redis.client import createRedisClient


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
