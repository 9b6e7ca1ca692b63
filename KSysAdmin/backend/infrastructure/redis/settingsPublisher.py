from __future__ import annotations

import json

from redis.asyncio import Redis

from shared.backend.redis.client import redisKey

SETTINGS_CHANNEL = "ksysadmin:settings"


def settingsKey(name: str) -> str:
    return redisKey("ksysadmin", "settings", name)


# The document goes to ksysadmin:settings:{name}; subscribers of the channel get that key name.
class RedisSettingsPublisher:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def publish(self, name: str, document: dict[str, object]) -> None:
        key = settingsKey(name)
        async with self.redis.pipeline(transaction=True) as pipeline:
            pipeline.set(key, json.dumps(document, separators=(",", ":")))
            pipeline.publish(SETTINGS_CHANNEL, key)
            await pipeline.execute()
