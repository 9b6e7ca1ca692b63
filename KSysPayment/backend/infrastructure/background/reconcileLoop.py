from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress

from sqlalchemy.ext.asyncio import AsyncEngine

from KSysPayment.backend.infrastructure.database.reconcileLock import reconcileLock
from shared.backend.loggingFactory import getSystemLogger

logger = getSystemLogger("payment.reconcile")


async def runPass(engine: AsyncEngine, reconcile: Callable[[], Awaitable[object]]) -> bool:
    async with reconcileLock(engine) as acquired:
        if not acquired:
            return False
        await reconcile()
        return True


async def reconcileForever(engine: AsyncEngine, reconcile: Callable[[], Awaitable[object]],
                           intervalSeconds: float) -> None:
    while True:
        try:
            await runPass(engine, reconcile)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            # Never fatal: the next pass tries again.
            logger.error("payment_reconcile_pass_failed", "Reconciliation pass failed", error)
        await asyncio.sleep(intervalSeconds)


@asynccontextmanager
async def reconcileTask(engine: AsyncEngine, reconcile: Callable[[], Awaitable[object]],
                        intervalSeconds: float) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(reconcileForever(engine, reconcile, intervalSeconds), name="payment-reconcile")
    logger.application("payment_reconcile_started", "Reconciliation task started", interval_s=intervalSeconds)
    try:
        yield task
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        logger.application("payment_reconcile_stopped", "Reconciliation task stopped")
