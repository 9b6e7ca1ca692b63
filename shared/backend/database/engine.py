from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import sqlalchemy.exc
from fastapi import Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from shared.backend.config.settings import DatabaseSettings
from shared.backend.loggingFactory import getSystemLogger

logger = getSystemLogger("database")


class DatabaseUnavailableError(RuntimeError):
    pass


@dataclass(frozen=True)
class Database:
    engine: AsyncEngine
    sessionFactory: async_sessionmaker[AsyncSession]


def createEngine(settings: DatabaseSettings) -> AsyncEngine:
    return create_async_engine(
        settings.url.get_secret_value(),
        pool_size=settings.poolSize,
        max_overflow=settings.maxOverflow,
        pool_timeout=settings.poolTimeoutSeconds,
        pool_pre_ping=True,
        pool_recycle=1800,
        echo=settings.echo,
        connect_args={"timeout": settings.connectTimeoutSeconds, "command_timeout": 30},
    )


def createDatabase(settings: DatabaseSettings) -> Database:
    engine = createEngine(settings)
    return Database(engine, async_sessionmaker(engine, expire_on_commit=False, autoflush=False))


async def checkConnection(database: Database) -> float:
    started = time.perf_counter()
    async with database.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    return (time.perf_counter() - started) * 1000


async def initDb(settings: DatabaseSettings) -> Database:
    database = createDatabase(settings)
    try:
        await checkConnection(database)
    except Exception as error:
        await database.engine.dispose()
        host = database.engine.url.render_as_string(hide_password=True)
        raise DatabaseUnavailableError(f"PostgreSQL unreachable at {host}: {type(error).__name__}: {error}") from error
    return database


async def closeDb(database: Database) -> None:
    await database.engine.dispose()


async def getDb(request: Request) -> AsyncIterator[AsyncSession]:
    database: Database = request.app.state.database
    session = database.sessionFactory()
    try:
        yield session
    finally:
        await closeSession(session)


async def closeSession(session: AsyncSession) -> None:
    # Closing rolls back. On a connection that died mid-request this fails after the answer was chosen;
    # PostgreSQL drops the open transaction with the connection, so the connection is discarded and logged.
    try:
        await session.close()
    except sqlalchemy.exc.DBAPIError as error:
        logger.warning("db_session_close_failed", "Discarded a broken database connection",
                       error_type=type(error).__name__)
        await session.invalidate()
