from __future__ import annotations

import hashlib
from collections.abc import Iterable

from redis.asyncio import Redis
from redis.exceptions import NoScriptError

from shared.backend.redis.client import redisKey

# The key replaced whole with its expiry, atomically and in one round trip: as a MULTI/EXEC pipeline of DEL,
# HSET and EXPIRE through redis-py it cost ~10% of a login's event-loop time.
REPLACE_SCRIPT = """
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'userId', ARGV[1], 'roles', ARGV[2], 'expiresAt', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
"""
REPLACE_SHA = hashlib.sha1(REPLACE_SCRIPT.encode(), usedforsecurity=False).hexdigest()


def sessionKey(sessionId: str) -> str:
    return redisKey("kauth", "session", sessionId)


# The Redis mirror of a live session (DESIGN section 6): the gateway and the public server honour a
# token only while its session key exists, so deleting the key revokes access at once.
class SessionStore:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def save(self, sessionId: str, userId: str, roles: Iterable[str], expiresAt: int, ttlSeconds: int) -> None:
        arguments = (1, sessionKey(sessionId), userId, ",".join(sorted(roles)), expiresAt, max(ttlSeconds, 1))
        try:
            await self.redis.evalsha(REPLACE_SHA, *arguments)  # type: ignore[misc]
        except NoScriptError:
            await self.redis.eval(REPLACE_SCRIPT, *arguments)  # type: ignore[misc]  # caches the script

    async def exists(self, sessionId: str) -> bool:
        return bool(await self.redis.exists(sessionKey(sessionId)))

    async def delete(self, sessionIds: Iterable[str]) -> int:
        keys = [sessionKey(sessionId) for sessionId in sessionIds]
        return int(await self.redis.delete(*keys)) if keys else 0
