from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress

from sqlalchemy.ext.asyncio import AsyncEngine

from shared.backend.database.advisoryLock import advisoryLock
from shared.backend.loggingFactory import getSystemLogger
from shared.backend.utils.tasks import cancelAndWait

logger = getSystemLogger("background")
# A pass in flight may finish this long after shutdown starts; then it is cancelled.
STOP_GRACE_SECONDS = 10.0

# work(stopping) should return early once stopping() is true (shutdown).
Work = Callable[[Callable[[], bool]], Awaitable[object]]


# One pass under the advisory lock lockKey: False (nothing run) while another process holds it.
async def runLockedPass(engine: AsyncEngine, lockKey: int, work: Callable[[], Awaitable[object]]) -> bool:
    async with advisoryLock(engine, lockKey) as acquired:
        if not acquired:
            return False
        await work()
        return True


async def runForever(engine: AsyncEngine, lockKey: int, label: str, work: Work, intervalSeconds: float,
                     stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await runLockedPass(engine, lockKey, lambda: work(stop.is_set))
        except Exception as error:
            # Never fatal: the next pass tries again.
            logger.error(f"{label}_pass_failed", "A background pass failed", error, task=label)
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), intervalSeconds)


# Runs work at once and then every intervalSeconds, one process at a time (lockKey), until the block ends.
@asynccontextmanager
async def periodicTask(
    engine: AsyncEngine, lockKey: int, label: str, work: Work, intervalSeconds: float
) -> AsyncIterator[asyncio.Task[None]]:
    stop = asyncio.Event()
    task = asyncio.create_task(runForever(engine, lockKey, label, work, intervalSeconds, stop),
                               name=label.replace("_", "-"))
    logger.application(f"{label}_started", "Background task started", task=label, interval_s=intervalSeconds)
    try:
        yield task
    finally:
        # Let a running pass end between queries (cancelling mid-query can wedge a pooled connection).
        stop.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), STOP_GRACE_SECONDS)
        except TimeoutError:
            await cancelAndWait(task)
        logger.application(f"{label}_stopped", "Background task stopped", task=label)
