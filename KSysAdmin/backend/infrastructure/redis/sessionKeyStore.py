from __future__ import annotations

import uuid

from redis.asyncio import Redis

from shared.backend.redis.client import redisKey


def sessionKey(sessionId: uuid.UUID) -> str:
    # KAuthApp's contract (DESIGN 6): kauth:session:{sessionId}, the id in its canonical string form.
    return redisKey("kauth", "session", str(sessionId))


class RedisSessionKeyStore:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def deleteSessions(self, sessionIds: list[uuid.UUID]) -> int:
        if not sessionIds:
            return 0
        return int(await self.redis.delete(*[sessionKey(sessionId) for sessionId in sessionIds]))
