from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg
import sqlalchemy.exc
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import ClauseElement


# A statement compiled once for asyncpg and run by asyncpg itself on a connection that SQLAlchemy checks
# out and returns: SQLAlchemy's execution path costs more than a small statement (docs/decisions.md).
# Outside a transaction each statement commits by itself. Values are the driver's own types (JSON as text).
class DriverStatement:
    def __init__(self, statement: ClauseElement) -> None:
        compiled = statement.compile(dialect=postgresql.asyncpg.dialect())  # type: ignore[no-untyped-call]
        self.sql = str(compiled)
        self.names = tuple(compiled.positiontup or ())
        # Literals the statement holds (WHERE status = 'active') are bound by it; named parameters must be given.
        self.literals = {name: compiled.params[name] for name in self.names if not compiled.binds[name].required}

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        return [self.literals[name] if name in self.literals else values[name] for name in self.names]

    async def fetchRow(self, engine: AsyncEngine, values: Mapping[str, Any]) -> asyncpg.Record | None:
        # engine.connect() wraps pool and connect errors as SQLAlchemy does; the statement's own errors
        # are wrapped below, so the shared handler reads their SQLSTATE (503 for 08, 53, 57P).
        async with engine.connect() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
            try:
                return await driver.fetchrow(self.sql, *self.arguments(values))  # type: ignore[no-any-return]
            except (asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                closed = driver.is_closed()
                if closed:
                    await connection.invalidate()
                raise sqlalchemy.exc.DBAPIError(self.sql, None, error,  # type: ignore[arg-type]
                                                connection_invalidated=closed) from error
