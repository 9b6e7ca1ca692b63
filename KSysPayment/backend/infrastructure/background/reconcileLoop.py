from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager

from sqlalchemy.ext.asyncio import AsyncEngine

from shared.backend.background.periodicTask import Work, periodicTask, runLockedPass
from shared.backend.background.shutdown import Shutdown

# One reconciliation runner at a time across processes (any stable 64-bit number).
RECONCILE_LOCK_KEY = 7_300_001
LABEL = "payment_reconcile"


async def runPass(engine: AsyncEngine, reconcile: Callable[[], Awaitable[object]]) -> bool:
    return await runLockedPass(engine, RECONCILE_LOCK_KEY, reconcile)


# reconcile(stopping) should return early once stopping() is true (shutdown).
def reconcileTask(
    engine: AsyncEngine, reconcile: Work, intervalSeconds: float, shutdown: Shutdown | None = None
) -> AbstractAsyncContextManager[asyncio.Task[None]]:
    return periodicTask(engine, RECONCILE_LOCK_KEY, LABEL, reconcile, intervalSeconds, shutdown)
