from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from asyncpg.connection import LoggedQuery
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool


# Every SQL statement this process sends while the block runs: through any engine (SQLAlchemy's event),
# and straight through asyncpg on a connection checked out of any pool meanwhile (asyncpg's query logger).
@asynccontextmanager
async def sqlStatements() -> AsyncIterator[list[str]]:
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    def logQuery(query: LoggedQuery) -> None:
        seen.append(query.query)

    def onCheckout(dbapiConnection: Any, *_: object) -> None:
        dbapiConnection.driver_connection.add_query_logger(logQuery)

    def onCheckin(dbapiConnection: Any, *_: object) -> None:
        dbapiConnection.driver_connection.remove_query_logger(logQuery)

    listeners = [(Engine, "before_cursor_execute", record), (Pool, "checkout", onCheckout),
                 (Pool, "checkin", onCheckin)]
    for target, name, listener in listeners:
        event.listen(target, name, listener)
    try:
        yield seen
        await asyncio.sleep(0)  # asyncpg calls its query loggers on the next loop iteration
    finally:
        for target, name, listener in listeners:
            event.remove(target, name, listener)
