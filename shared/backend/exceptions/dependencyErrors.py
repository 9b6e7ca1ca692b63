from __future__ import annotations

import traceback
from dataclasses import dataclass

import asyncpg
import redis.exceptions
import sqlalchemy.exc

# Failures of PostgreSQL and Redis that are not the request's fault: the request may be retried.
DATABASE_DOWN: tuple[type[Exception], ...] = (
    sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError, sqlalchemy.exc.TimeoutError,
    sqlalchemy.exc.DisconnectionError, asyncpg.exceptions.ConnectionDoesNotExistError,
    # A connection left mid-operation by a failure ("another operation is in progress").
    asyncpg.exceptions.InternalClientError,
    asyncpg.exceptions.CannotConnectNowError, asyncpg.exceptions.TooManyConnectionsError,
)
CACHE_DOWN: tuple[type[Exception], ...] = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
# Redis states that refuse writes for a while, answered as errors: a replica after a failover (READONLY), the
# memory limit reached (OOM); redis-py names those two, a failed snapshot keeps its MISCONF prefix.
CACHE_REFUSING: tuple[type[Exception], ...] = (redis.exceptions.ReadOnlyError, redis.exceptions.OutOfMemoryError)
# Every exception class the shared handler looks at. asyncpg raises builtin OSErrors that SQLAlchemy passes
# through unwrapped: ConnectionRefusedError while opening a connection, TimeoutError when a statement or a
# connect outlasts its timeout, socket.gaierror when the host name does not resolve. SQLAlchemy wraps some
# server states in a plain DBAPIError.
HANDLED: tuple[type[Exception], ...] = (
    *DATABASE_DOWN, *CACHE_DOWN, redis.exceptions.ResponseError, sqlalchemy.exc.DBAPIError, OSError)
# SQLSTATE classes: 08 connection exception, 53 insufficient resources, 57P operator intervention
# (shutdown, cannot connect now), 57014 a statement cancelled (statement_timeout, pg_cancel_backend), 40P01 a
# deadlock's victim and 55P03 a lock wait past lock_timeout (rolled back, worth a retry); 22 data exception (for
# example a NUL character in text).
UNAVAILABLE_STATES = ("08", "53", "57P", "57014", "40P01", "55P03")
INVALID_DATA_STATE = "22"


@dataclass(frozen=True)
class Classified:
    status: int
    code: str
    message: str


def chain(error: BaseException) -> list[BaseException]:
    # The error, the driver errors SQLAlchemy wraps (.orig) and their causes.
    found: list[BaseException] = []
    seen: BaseException | None = error
    while seen is not None and len(found) < 20:
        wrapped = getattr(seen, "orig", None)
        found += [seen, wrapped] if isinstance(wrapped, BaseException) else [seen]
        seen = seen.__cause__
    return found


def sqlState(links: list[BaseException]) -> str | None:
    for candidate in links:
        state = getattr(candidate, "sqlstate", None)
        if isinstance(state, str):
            return state
    return None


def unavailable(dependency: str) -> Classified:
    return Classified(503, "service_unavailable", f"The {dependency} is temporarily unavailable")


def refusingWrites(error: BaseException) -> bool:
    return isinstance(error, CACHE_REFUSING) or (
        isinstance(error, redis.exceptions.ResponseError) and str(error).startswith("MISCONF "))


def classify(error: BaseException) -> Classified | None:
    if isinstance(error, CACHE_DOWN) or refusingWrites(error):
        return unavailable("cache")
    links = chain(error)
    state = sqlState(links)
    if state is not None and state.startswith(INVALID_DATA_STATE):
        return Classified(422, "invalid_input", "A value in the request cannot be stored (for example a NUL character)")
    databaseDown = any(isinstance(candidate, DATABASE_DOWN) for candidate in links)
    if databaseDown or (state is not None and state.startswith(UNAVAILABLE_STATES)):
        return unavailable("database")
    # SQLAlchemy's own verdict that the connection died (the pool then discards the older ones).
    if isinstance(error, sqlalchemy.exc.DBAPIError) and error.connection_invalidated:
        return unavailable("database")
    if isinstance(error, OSError):
        # Which client raised it: an OSError of our own code (a file, say) is a bug, not an outage.
        files = " ".join(frame.f_code.co_filename for frame, _ in traceback.walk_tb(error.__traceback__))
        if "asyncpg" in files or "redis" in files:
            return unavailable("database" if "asyncpg" in files else "cache")
        if isinstance(error, ConnectionError):
            return unavailable("backing service")
    return None
