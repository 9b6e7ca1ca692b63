from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg
import sqlalchemy.exc
from fastapi import Request
from sqlalchemy import event, text
from sqlalchemy.engine import AdaptedConnection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from shared.backend.config.settings import DatabaseSettings
from shared.backend.database.driverPool import DriverPool
from shared.backend.exceptions.causeLine import causeLine
from shared.backend.loggingFactory import getSystemLogger

logger = getSystemLogger("database")


class DatabaseUnavailableError(RuntimeError):
    pass


# engine: transactions (BEGIN ... COMMIT). autocommitEngine: a pool of its own for work done in one
# statement (a read, or a write whose CTEs make it atomic), which skips the BEGIN and COMMIT round trips;
# every statement on it is its own transaction. driverPool: asyncpg's own pool for the hottest such
# statements (GET me, login), compiled once and run without SQLAlchemy (DriverStatement).
@dataclass(frozen=True)
class Database:
    engine: AsyncEngine
    sessionFactory: async_sessionmaker[AsyncSession]
    autocommitEngine: AsyncEngine
    autocommitSessionFactory: async_sessionmaker[AsyncSession]
    driverPool: DriverPool


# Replaces pool_pre_ping (BEGIN, ping, ROLLBACK: three round trips per checkout) with asyncpg's own view of
# the socket: a connection the server closed (restart, pg_terminate_backend) is replaced before use, and
# the pool retries with a new one. A connection that breaks while in use is discarded by its error.
def replaceClosedConnection(dbapiConnection: AdaptedConnection, record: object, proxy: object) -> None:
    if dbapiConnection.driver_connection.is_closed():
        raise sqlalchemy.exc.DisconnectionError("connection closed by the server")


# autocommit: a pool of its own with no BEGIN/COMMIT round trips. Giving a view of the main engine
# AUTOCOMMIT instead switches the isolation level at every checkout and return.
def createEngine(settings: DatabaseSettings, autocommit: bool = False) -> AsyncEngine:
    sizing = ({"isolation_level": "AUTOCOMMIT", "pool_size": settings.autocommitPoolSize, "max_overflow": 0}
              if autocommit else {"pool_size": settings.poolSize, "max_overflow": settings.maxOverflow})
    engine = create_async_engine(
        settings.url.get_secret_value(),
        **sizing,
        pool_timeout=settings.poolTimeoutSeconds,
        pool_recycle=1800,
        echo=settings.echo,
        # Error messages and echo lines name the statement, never its values (password hashes, token hashes).
        hide_parameters=True,
        connect_args={"timeout": settings.connectTimeoutSeconds, "command_timeout": 30},
    )
    event.listen(engine.sync_engine, "checkout", replaceClosedConnection)
    return engine


def createDatabase(settings: DatabaseSettings) -> Database:
    engine, autocommitEngine = createEngine(settings), createEngine(settings, autocommit=True)
    return Database(engine, async_sessionmaker(engine, expire_on_commit=False, autoflush=False),
                    autocommitEngine, async_sessionmaker(autocommitEngine, expire_on_commit=False, autoflush=False),
                    DriverPool(settings))


async def checkConnection(database: Database) -> float:
    started = time.perf_counter()
    async with database.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    return (time.perf_counter() - started) * 1000


async def initDb(settings: DatabaseSettings) -> Database:
    try:
        database = createDatabase(settings)
    except Exception as error:
        # The settings checked the URL; the error's text may quote a part of it, password included.
        raise DatabaseUnavailableError(f"DATABASE_URL cannot be used ({type(error).__name__}): write "
                                       "postgresql+asyncpg://user:password@host:port/database") from None
    try:
        await checkConnection(database)
        await database.driverPool.check()
    except Exception as error:
        await closeDb(database)
        raise DatabaseUnavailableError(connectFailureMessage(database.engine, error)) from error
    return database


# Names the server (without its password), whether it answered (a refusal: login, database, setting) or not, and
# the driver's own reason in one line.
def connectFailureMessage(engine: AsyncEngine, error: BaseException) -> str:
    where = engine.url.render_as_string(hide_password=True)
    cause = driverError(error)
    if isinstance(cause, asyncpg.PostgresError):
        return f"PostgreSQL at {where} refused the connection: {causeLine(cause)}"
    if isinstance(cause, OSError | TimeoutError):
        return f"PostgreSQL unreachable at {where}: {causeLine(cause)}"
    return f"cannot connect to PostgreSQL at {where}: {causeLine(cause)}"


# asyncpg's own exception under SQLAlchemy's (DBAPIError.orig, an adapter whose cause is asyncpg's).
def driverError(error: BaseException) -> BaseException:
    if isinstance(error, sqlalchemy.exc.DBAPIError) and error.orig is not None:
        error = error.orig
    cause = error.__cause__
    return cause if isinstance(cause, asyncpg.PostgresError | asyncpg.InterfaceError) else error


async def closeDb(database: Database) -> None:
    await database.engine.dispose()
    await database.autocommitEngine.dispose()
    await database.driverPool.close()


@asynccontextmanager
async def requestSession(database: Database) -> AsyncIterator[AsyncSession]:
    session = database.sessionFactory()
    try:
        yield session
    finally:
        # Without a transaction the session holds no connection: closing it would only detach its objects
        # (~0.15 ms of a login that never used it).
        if session.in_transaction():
            await closeSession(session)


async def getDb(request: Request) -> AsyncIterator[AsyncSession]:
    async with requestSession(request.app.state.database) as session:
        yield session


async def closeSession(session: AsyncSession) -> None:
    # Closing rolls back. On a connection that died mid-request this fails after the answer was chosen;
    # PostgreSQL drops the open transaction with the connection, so the connection is discarded and logged.
    try:
        await session.close()
    except sqlalchemy.exc.DBAPIError as error:
        logger.warning("db_session_close_failed", "Discarded a broken database connection",
                       error_type=type(error).__name__)
        await session.invalidate()
