from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx2
import pytest
from sqlalchemy import text

from shared.backend.config.settings import DatabaseSettings
from shared.backend.database.engine import Database, createDatabase
from tests.faults.privateStack import PrivateStack, privateStackIn, waitHealthy

# Fixtures for fault tests on a private public server (KAuthApp) with its own PostgreSQL and Redis.


@pytest.fixture(scope="module")
def stack() -> Iterator[PrivateStack]:
    with privateStackIn("kservices-authfaults-") as private:
        private.prepare()
        private.launch("public", "public_server:app")
        waitHealthy(private.url("public", "/health"), process=private.servers["public"])
        yield private


@pytest.fixture
async def database(stack: PrivateStack) -> AsyncIterator[Database]:
    private = createDatabase(DatabaseSettings(DATABASE_URL=stack.databaseUrl))  # type: ignore[call-arg]
    yield private
    await private.engine.dispose()


@pytest.fixture
async def client(stack: PrivateStack) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(base_url=stack.url("public", ""), timeout=30) as http:
        yield http


# The row the use case locks first: the request waits there, past its Redis reads, until the fault is in place.
@asynccontextmanager
async def heldRow(database: Database, table: str, rowId: str) -> AsyncIterator[int]:
    async with database.engine.connect() as connection:
        await connection.begin()
        pid = int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())
        await connection.execute(text(f"SELECT 1 FROM {table} WHERE id = :id FOR UPDATE"), {"id": rowId})  # noqa: S608
        try:
            yield pid
        finally:
            await connection.rollback()


async def userId(database: Database, address: str) -> str:
    async with database.engine.connect() as connection:
        found = await connection.execute(text("SELECT id FROM users WHERE email = :e"), {"e": address.lower()})
        return str(found.scalar_one())
