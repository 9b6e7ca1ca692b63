from __future__ import annotations

import uuid

from redis.asyncio import Redis

from shared.backend.security.sessionStore import SessionStore


# KAuthApp's keys (DESIGN 6: kauth:session:{sessionId}), deleted through the shared store, which also keeps
# a login or refresh racing the revocation from putting a key back.
class RedisSessionKeyStore:
    def __init__(self, redis: Redis, rememberSeconds: int) -> None:
        self.store = SessionStore(redis)
        self.rememberSeconds = rememberSeconds

    async def deleteSessions(self, sessionIds: list[uuid.UUID]) -> int:
        return await self.store.revoke([str(sessionId) for sessionId in sessionIds], self.rememberSeconds)
