from __future__ import annotations

import asyncio

import pytest
import sqlalchemy.exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.backend.database.engine import Database
from shared.backend.exceptions.dependencyErrors import classify

# Advisory lock keys of this test only.
FIRST, SECOND = 7_300_901, 7_300_902
LOCK = text("SELECT pg_advisory_xact_lock(:key)")


async def lockInTurn(connection: AsyncConnection, held: asyncio.Event, other: asyncio.Event, mine: int,
                     theirs: int) -> None:
    async with connection.begin():
        await connection.execute(LOCK, {"key": mine})
        held.set()
        await other.wait()
        await connection.execute(LOCK, {"key": theirs})


def assertRetryable(error: BaseException, state: str) -> None:
    assert getattr(getattr(error, "orig", None), "sqlstate", None) == state
    classified = classify(error)
    assert classified is not None and (classified.status, classified.code) == (503, "service_unavailable")


# A deadlock PostgreSQL broke (40P01) rolled the victim back: nothing was written and the same request may be
# retried, so it answers 503 with Retry-After, not 500.
async def test_aDeadlockVictimIsRetryable(database: Database) -> None:
    firstHeld, secondHeld = asyncio.Event(), asyncio.Event()
    async with database.engine.connect() as first, database.engine.connect() as second:
        outcomes = await asyncio.gather(lockInTurn(first, firstHeld, secondHeld, FIRST, SECOND),
                                        lockInTurn(second, secondHeld, firstHeld, SECOND, FIRST),
                                        return_exceptions=True)
    errors = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    assert len(errors) == 1, outcomes
    assertRetryable(errors[0], "40P01")


# A lock wait that outlasted lock_timeout (55P03) is a transient state too.
async def test_aLockTimeoutIsRetryable(database: Database) -> None:
    async with database.engine.connect() as holder, database.engine.connect() as waiter, holder.begin():
        await holder.execute(LOCK, {"key": FIRST})
        with pytest.raises(sqlalchemy.exc.DBAPIError) as raised:
            async with waiter.begin():
                await waiter.execute(text("SET LOCAL lock_timeout = '50ms'"))
                await waiter.execute(LOCK, {"key": FIRST})
    assertRetryable(raised.value, "55P03")
