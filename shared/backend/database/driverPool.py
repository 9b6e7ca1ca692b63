from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

import asyncpg
import sqlalchemy.exc
from sqlalchemy.engine import make_url

from shared.backend.config.settings import DatabaseSettings
from shared.backend.database.driverStatement import DriverStatement


# Nothing to reset: the pool only runs DriverStatements, single statements outside any transaction that
# leave no session state (asyncpg's default reset is one more round trip per release).
async def keepSession(connection: asyncpg.Connection) -> None:
    return None


DRIVER_ERRORS = (asyncpg.PostgresError, OSError, TimeoutError, asyncpg.InterfaceError)


# A server's refusal as DBAPIError, an unreachable server as OperationalError.
def asSqlAlchemyError(sql: str, error: Exception) -> sqlalchemy.exc.DBAPIError:
    kind = sqlalchemy.exc.DBAPIError if isinstance(error, asyncpg.PostgresError) else sqlalchemy.exc.OperationalError
    return kind(sql, None, error)  # type: ignore[arg-type]


# asyncpg's own pool for DriverStatements: checking a connection out of SQLAlchemy's async pool and back
# costs about twice the statement (greenlet switches, a task per close). Opened on first use, in the
# running event loop; asyncpg replaces a connection the server closed at the next acquire.
class DriverPool:
    def __init__(self, settings: DatabaseSettings) -> None:
        url = make_url(settings.url.get_secret_value())
        # `?ssl=<mode>` is what SQLAlchemy hands asyncpg.connect; in a DSN asyncpg would send it to the server
        # as a setting, so the pool takes it as its ssl argument instead.
        query = dict(url.query)
        self.ssl = query.pop("ssl", None)
        self.dsn = url.set(drivername="postgresql", query=query).render_as_string(hide_password=False)
        self.size = settings.driverPoolSize
        self.connectTimeout = settings.connectTimeoutSeconds
        self.acquireTimeout = settings.poolTimeoutSeconds
        self.pool: asyncpg.Pool | None = None
        self.opening = asyncio.Lock()

    async def ready(self) -> asyncpg.Pool:
        if self.pool is None:
            async with self.opening:
                if self.pool is None:
                    self.pool = await asyncpg.create_pool(
                        self.dsn, min_size=0, max_size=self.size, timeout=self.connectTimeout,
                        command_timeout=30, max_inactive_connection_lifetime=1800, reset=keepSession,
                        **({"ssl": self.ssl} if self.ssl is not None else {}),
                    )
        return self.pool

    # Failures arrive as SQLAlchemy's errors, which the shared handler classifies (503 for an outage).
    async def fetchRow(self, statement: DriverStatement, values: Mapping[str, object]) -> asyncpg.Record | None:
        try:
            pool = await self.ready()
            async with pool.acquire(timeout=self.acquireTimeout) as connection:
                return await connection.fetchrow(statement.sql, *statement.arguments(values))  # type: ignore[no-any-return]
        except DRIVER_ERRORS as error:
            raise asSqlAlchemyError(statement.sql, error) from error

    # Every row of each read, all in one read-only REPEATABLE READ transaction on one connection, so that they see
    # one snapshot; for reads too large for the ORM's per-row cost (the account export). Errors as fetchRow's.
    async def fetchTogether(
        self, reads: Sequence[tuple[DriverStatement, Mapping[str, object]]]
    ) -> list[list[asyncpg.Record]]:
        try:
            pool = await self.ready()
            async with pool.acquire(timeout=self.acquireTimeout) as connection, \
                    connection.transaction(isolation="repeatable_read", readonly=True):
                return [await connection.fetch(statement.sql, *statement.arguments(values))
                        for statement, values in reads]
        except DRIVER_ERRORS as error:
            raise asSqlAlchemyError("; ".join(statement.sql for statement, _ in reads), error) from error

    # Opens the pool at startup: a DSN that asyncpg refuses fails there, not at the first login.
    async def check(self) -> None:
        pool = await self.ready()
        async with pool.acquire(timeout=self.acquireTimeout) as connection:
            await connection.fetchval("SELECT 1")

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()
            self.pool = None
