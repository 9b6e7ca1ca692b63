from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import text

from shared.backend.config.settings import DatabaseSettings
from shared.backend.database.engine import Database, createDatabase
from tests.faults.privateStack import PrivateStack, waitHealthy

# Fixtures for fault tests on a private public server (KAuthApp) with its own PostgreSQL and Redis.


@pytest.fixture(scope="module")
def stack() -> Iterator[PrivateStack]:
    # Not under pytest's tmp dir: a concurrent pytest resets its mode to 0700, locking out the postgres user.
    directory = Path(tempfile.mkdtemp(prefix="kservices-authfaults-"))
    private = PrivateStack(directory, Path(os.environ["KSERVICES_ENV_FILE"]))
    try:
        private.prepare()
        private.launch("public", "public_server:app")
        waitHealthy(private.url("public", "/health"), process=private.servers["public"])
        yield private
    finally:
        private.stop()
        if not os.environ.get("KEEP_FAULTS_DIR"):
            shutil.rmtree(directory, ignore_errors=True)


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
