from __future__ import annotations

from collections.abc import Iterable

from redis.asyncio import Redis

from shared.backend.redis.client import redisKey


def sessionKey(sessionId: str) -> str:
    return redisKey("kauth", "session", sessionId)


# The Redis mirror of a live session (DESIGN section 6): the gateway and the public server honour a
# token only while its session key exists, so deleting the key revokes access at once.
class SessionStore:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def save(self, sessionId: str, userId: str, roles: Iterable[str], expiresAt: int, ttlSeconds: int) -> None:
        key = sessionKey(sessionId)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.hset(key, mapping={"userId": userId, "roles": ",".join(sorted(roles)), "expiresAt": expiresAt})
            pipe.expire(key, max(ttlSeconds, 1))
            await pipe.execute()

    async def exists(self, sessionId: str) -> bool:
        return bool(await self.redis.exists(sessionKey(sessionId)))

    async def delete(self, sessionIds: Iterable[str]) -> int:
        keys = [sessionKey(sessionId) for sessionId in sessionIds]
        return int(await self.redis.delete(*keys)) if keys else 0
