from __future__ import annotations

import time

from fastapi import Request
from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import AuthenticationError, ResponseError
from redis.maint_notifications import MaintNotificationsConfig

from shared.backend.config.settings import RedisSettings
from shared.backend.exceptions.causeLine import causeLine


class RedisUnavailableError(RuntimeError):
    pass


def redisKey(service: str, type: str, identifier: str) -> str:
    for part in (service, type):
        if not part or ":" in part:
            raise ValueError(f"invalid redis key part: {part!r}")
    return f"{service}:{type}:{identifier}"


# When all maxConnections are busy a command waits up to poolTimeoutSeconds for one, then fails as an outage
# (redis ConnectionError, a 503); the plain pool failed at once, so a burst over the limit lost requests.
# Maintenance notifications (a Redis Enterprise feature) are off: while on (redis-py's "auto" default) the pool
# skips its checkout check, so a connection Redis closed in a restart was handed out and its command failed (a
# 503 after Redis was back), once per connection idle in the pool.
def createRedisClient(settings: RedisSettings) -> Redis:
    pool = BlockingConnectionPool.from_url(
        settings.url.get_secret_value(),
        max_connections=settings.maxConnections,
        timeout=settings.poolTimeoutSeconds,
        socket_timeout=settings.socketTimeoutSeconds,
        socket_connect_timeout=settings.socketTimeoutSeconds,
        health_check_interval=30,
        decode_responses=True,
        maint_notifications_config=MaintNotificationsConfig(enabled=False),
    )
    return Redis(connection_pool=pool)


async def checkConnection(client: Redis) -> float:
    started = time.perf_counter()
    await client.ping()
    return (time.perf_counter() - started) * 1000


async def initRedis(settings: RedisSettings) -> Redis:
    try:
        client = createRedisClient(settings)
    except Exception as error:
        # The settings checked the URL; the error's text may quote a part of it, password included.
        raise RedisUnavailableError(f"REDIS_URL cannot be used ({type(error).__name__}): write "
                                    "redis://[[user]:password@]host:port/N") from None
    try:
        await checkConnection(client)
    except Exception as error:
        await client.aclose()
        kwargs = client.connection_pool.connection_kwargs
        where = kwargs.get("path") or f"{kwargs.get('host')}:{kwargs.get('port')}"
        raise RedisUnavailableError(connectFailureMessage(where, error)) from error
    return client


# A server that answered with an error (a wrong password, a database out of range) refused; others are unreachable.
def connectFailureMessage(where: str, error: Exception) -> str:
    cause = causeLine(error)
    if isinstance(error, AuthenticationError | ResponseError):
        return f"Redis at {where} refused the connection: {cause}"
    return f"Redis unreachable at {where}: {cause}"


async def closeRedis(client: Redis) -> None:
    await client.aclose()


# A dependency; async so FastAPI does not run it in its thread pool.
async def getRedis(request: Request) -> Redis:
    return request.app.state.redis
