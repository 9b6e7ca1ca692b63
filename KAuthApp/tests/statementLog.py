from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from asyncpg.connection import LoggedQuery
from asyncpg.pool import PoolAcquireContext
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool


# Every SQL statement this process sends while the block runs: through any engine (SQLAlchemy's event),
# and straight through asyncpg (its query logger) on a connection checked out meanwhile, from a SQLAlchemy
# pool or from an asyncpg pool (the driver pool; the logger sees a reset query too).
@asynccontextmanager
async def sqlStatements() -> AsyncIterator[list[str]]:
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    def logQuery(query: LoggedQuery) -> None:
        seen.append(query.query)

    def onCheckout(dbapiConnection: object, *_: object) -> None:
        dbapiConnection.driver_connection.add_query_logger(logQuery)

    def onCheckin(dbapiConnection: object, *_: object) -> None:
        dbapiConnection.driver_connection.remove_query_logger(logQuery)

    enter, leave = PoolAcquireContext.__aenter__, PoolAcquireContext.__aexit__

    async def acquired(context: PoolAcquireContext) -> object:
        proxy = await enter(context)
        proxy.add_query_logger(logQuery)
        return proxy

    async def released(context: PoolAcquireContext, *exception: object) -> None:
        if context.connection is not None:
            context.connection.remove_query_logger(logQuery)
        await leave(context, *exception)

    listeners = [(Engine, "before_cursor_execute", record), (Pool, "checkout", onCheckout),
                 (Pool, "checkin", onCheckin)]
    for target, name, listener in listeners:
        event.listen(target, name, listener)
    PoolAcquireContext.__aenter__, PoolAcquireContext.__aexit__ = acquired, released  # type: ignore[method-assign]
    try:
        yield seen
        await asyncio.sleep(0)  # asyncpg calls its query loggers on the next loop iteration
    finally:
        PoolAcquireContext.__aenter__, PoolAcquireContext.__aexit__ = enter, leave  # type: ignore[method-assign]
        for target, name, listener in listeners:
            event.remove(target, name, listener)
