from __future__ import annotations

from redis.asyncio import Redis

from shared.backend.redis.client import redisKey


def tokenKey(tokenHash: str) -> str:
    return redisKey("ksyspayment", "inbound_token", tokenHash)


# Tokens we issue to BRI for its notifications: only the SHA-256 hash is stored, with the token's TTL,
# so every worker of the public server accepts them.
class RedisInboundTokenStore:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def save(self, tokenHash: str, ttlSeconds: int) -> None:
        await self.redis.set(tokenKey(tokenHash), "1", ex=max(ttlSeconds, 1))

    async def exists(self, tokenHash: str) -> bool:
        return bool(await self.redis.exists(tokenKey(tokenHash)))
