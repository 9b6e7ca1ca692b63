from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress

from sqlalchemy.ext.asyncio import AsyncEngine

from KSysPayment.backend.infrastructure.database.reconcileLock import reconcileLock
from shared.backend.loggingFactory import getSystemLogger
from shared.backend.utils.tasks import cancelAndWait

logger = getSystemLogger("payment.reconcile")
# A pass in flight may finish this long after shutdown starts; then it is cancelled.
STOP_GRACE_SECONDS = 10.0


async def runPass(engine: AsyncEngine, reconcile: Callable[[], Awaitable[object]]) -> bool:
    async with reconcileLock(engine) as acquired:
        if not acquired:
            return False
        await reconcile()
        return True


# reconcile(stopping) should return early once stopping() is true (shutdown).
Reconcile = Callable[[Callable[[], bool]], Awaitable[object]]


async def reconcileForever(engine: AsyncEngine, reconcile: Reconcile, intervalSeconds: float,
                           stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await runPass(engine, lambda: reconcile(stop.is_set))
        except Exception as error:
            # Never fatal: the next pass tries again.
            logger.error("payment_reconcile_pass_failed", "Reconciliation pass failed", error)
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), intervalSeconds)


@asynccontextmanager
async def reconcileTask(
    engine: AsyncEngine, reconcile: Reconcile, intervalSeconds: float
) -> AsyncIterator[asyncio.Task[None]]:
    stop = asyncio.Event()
    loop = reconcileForever(engine, reconcile, intervalSeconds, stop)
    task = asyncio.create_task(loop, name="payment-reconcile")
    logger.application("payment_reconcile_started", "Reconciliation task started", interval_s=intervalSeconds)
    try:
        yield task
    finally:
        # Let a running pass end between queries (cancelling mid-query can wedge a pooled connection).
        stop.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), STOP_GRACE_SECONDS)
        except TimeoutError:
            await cancelAndWait(task)
        logger.application("payment_reconcile_stopped", "Reconciliation task stopped")
