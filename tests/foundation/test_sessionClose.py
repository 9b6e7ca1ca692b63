from __future__ import annotations

import asyncpg
import pytest
import sqlalchemy.exc

from shared.backend.database.engine import closeSession


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
