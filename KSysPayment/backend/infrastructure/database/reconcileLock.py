from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

# One reconciliation runner at a time across processes (any stable 64-bit number).
RECONCILE_LOCK_KEY = 7_300_001


@asynccontextmanager
async def reconcileLock(engine: AsyncEngine) -> AsyncIterator[bool]:
    # Session-level advisory lock on a dedicated connection, held for the whole pass.
    async with engine.connect() as connection:
        acquired = bool((await connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                                  {"key": RECONCILE_LOCK_KEY})).scalar())
        await connection.commit()
        try:
            yield acquired
        finally:
            if acquired:
                await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": RECONCILE_LOCK_KEY})
                await connection.commit()
