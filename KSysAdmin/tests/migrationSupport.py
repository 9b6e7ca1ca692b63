from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

from shared.backend.utils.uuid import generateId

ALEMBIC_INI = Path(__file__).resolve().parents[1] / "backend/infrastructure/database/alembic.ini"


def alembicConfig(databaseUrl: str) -> Config:
    config = Config(str(ALEMBIC_INI))
    config.attributes["databaseUrl"] = databaseUrl
    config.attributes["configureLogging"] = False
    return config


def plainDsn(url: str, database: str) -> str:
    return make_url(url).set(drivername="postgresql", database=database).render_as_string(hide_password=False)


# A plain asyncpg connection to the database a SQLAlchemy URL names.
async def connectTo(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(plainDsn(url, make_url(url).database or ""))


# A throwaway database on the test server: migrations run there, never on kservices_test.
@asynccontextmanager
async def scratchDatabase(baseUrl: str) -> AsyncIterator[str]:
    name = f"ksysadmin_scratch_{generateId().hex[-12:]}"
    admin = await asyncpg.connect(plainDsn(baseUrl, "postgres"))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(baseUrl).set(database=name).render_as_string(hide_password=False)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def runAlembic(config: Config, action: str, revision: str) -> None:
    operation = command.upgrade if action == "upgrade" else command.downgrade
    # env.py calls asyncio.run, so Alembic runs on its own thread and loop.
    await asyncio.to_thread(operation, config, revision)
