from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from shared.backend.config.settings import Settings
from shared.backend.database.engine import Database, createDatabase


@pytest.fixture
async def ownDatabase(settings: Settings) -> AsyncIterator[Database]:
    database = createDatabase(settings.database)
    yield database
    await database.engine.dispose()


async def backendPid(database: Database) -> int:
    async with database.engine.connect() as connection:
        return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


# A pooled connection the server closed (restart, pg_terminate_backend) is replaced at checkout with no
# round trip to find out, so the request that checks it out does not fail.
async def test_aConnectionTheServerClosedIsReplacedAtCheckout(ownDatabase: Database, database: Database) -> None:
    firstPid = await backendPid(ownDatabase)
    assert await backendPid(ownDatabase) == firstPid, "the pool should hand back its idle connection"
    async with database.engine.connect() as admin:
        assert (await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": firstPid})).scalar_one()
    for _ in range(50):
        await asyncio.sleep(0.02)
        async with database.engine.connect() as admin:
            gone = not (await admin.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                                            {"pid": firstPid})).scalar_one()
        if gone:
            break
    newPid = await backendPid(ownDatabase)
    assert newPid != firstPid
