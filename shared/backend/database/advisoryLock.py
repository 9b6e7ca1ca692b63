from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


# A session-level advisory lock on a dedicated connection, held for the whole block: one holder at a time
# across processes. Never waits: yields whether it was acquired.
@asynccontextmanager
async def advisoryLock(engine: AsyncEngine, key: int) -> AsyncIterator[bool]:
    async with engine.connect() as connection:
        acquired = bool((await connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})).scalar())
        await connection.commit()
        try:
            yield acquired
        finally:
            if acquired:
                await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                await connection.commit()
