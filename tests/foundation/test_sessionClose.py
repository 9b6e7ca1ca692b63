from __future__ import annotations

from types import SimpleNamespace

import asyncpg
import pytest
import sqlalchemy.exc

from shared.backend.database.engine import closeSession, getDb


class BrokenSession:
    def __init__(self, error: Exception) -> None:
        self.error = error
        self.invalidated = False

    async def close(self) -> None:
        raise self.error

    async def invalidate(self) -> None:
        self.invalidated = True


async def test_aConnectionThatCannotRollBackIsDiscarded() -> None:
    session = BrokenSession(sqlalchemy.exc.InternalError(
        "ROLLBACK", None, asyncpg.exceptions.InternalClientError("another operation is in progress")))
    await closeSession(session)  # type: ignore[arg-type]
    assert session.invalidated


async def test_aBugWhileClosingIsNotSwallowed() -> None:
    session = BrokenSession(RuntimeError("a bug"))
    with pytest.raises(RuntimeError):
        await closeSession(session)  # type: ignore[arg-type]
    assert not session.invalidated


class TrackedSession:
    def __init__(self, inTransaction: bool) -> None:
        self.inTransaction = inTransaction
        self.closed = False

    def in_transaction(self) -> bool:
        return self.inTransaction

    async def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize("inTransaction", [True, False])
async def test_aRequestSessionIsClosedOnlyWhileItHoldsATransaction(inTransaction: bool) -> None:
    session = TrackedSession(inTransaction)
    database = SimpleNamespace(sessionFactory=lambda: session)
    request = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(database=database)))
    dependency = getDb(request)  # type: ignore[arg-type]
    assert await anext(dependency) is session
    with pytest.raises(StopAsyncIteration):
        await anext(dependency)
    assert session.closed is inTransaction
