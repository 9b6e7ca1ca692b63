from __future__ import annotations

from redis.asyncio import Redis

from shared.backend.security.sessionStore import SessionStore


# The adapter for SessionCacheInterface is the shared store the gateway contract is written against.
def createSessionCache(redis: Redis) -> SessionStore:
    return SessionStore(redis)
