from __future__ import annotations

import time

from fastapi import Request
from redis.asyncio import BlockingConnectionPool, Redis
from redis.maint_notifications import MaintNotificationsConfig

from shared.backend.config.settings import RedisSettings


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
    client = createRedisClient(settings)
    try:
        await checkConnection(client)
    except Exception as error:
        await client.aclose()
        kwargs = client.connection_pool.connection_kwargs
        where = kwargs.get("path") or f"{kwargs.get('host')}:{kwargs.get('port')}"
        raise RedisUnavailableError(f"Redis unreachable at {where}: {type(error).__name__}: {error}") from error
    return client


async def closeRedis(client: Redis) -> None:
    await client.aclose()


# A dependency; async so FastAPI does not run it in its thread pool.
async def getRedis(request: Request) -> Redis:
    return request.app.state.redis
