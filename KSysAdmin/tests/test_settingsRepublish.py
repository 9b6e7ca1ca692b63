from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from redis.asyncio import Redis

from KSysAdmin.backend.application.publishStoredSettings import PublishStoredSettings, Republished
from KSysAdmin.backend.domain.models.systemSetting import SystemSetting
from KSysAdmin.backend.infrastructure.redis.settingsPublisher import SETTINGS_CHANNEL, RedisSettingsPublisher
from tests.support.processes import RedisProcess

CORS_KEY = "ksysadmin:settings:cors"
RATE_LIMITS_KEY = "ksysadmin:settings:rate-limits"


# PostgreSQL as another admin process changes it: the first read answers the older version, then that process
# commits and publishes its update before this one's forced write lands.
class RacingSettings:
    def __init__(self, publisher: RedisSettingsPublisher) -> None:
        self.publisher = publisher
        self.stored = SystemSetting(key="cors", value={"origins": ["https://old.example.com"]}, version=5)
        self.reads = 0

    async def get(self, key: str) -> SystemSetting | None:
        if key != "cors":
            return None
        self.reads += 1
        current = self.stored
        if self.reads == 1:
            self.stored = SystemSetting(key="cors", value={"origins": ["https://new.example.com"]}, version=6)
            await self.publisher.publish("cors", {"version": 6, "origins": ["https://new.example.com"]})
        return current


# A Redis of the test's own: the republish removes the document of a setting the double does not hold, which on
# the stack's Redis would take the gateway's rules away from the other suites.
@asynccontextmanager
async def privateRedis(directory: Path) -> AsyncIterator[Redis]:
    redisProcess = RedisProcess(directory)
    redisProcess.start()
    redis = Redis.from_url(redisProcess.url, decode_responses=True)
    try:
        yield redis
    finally:
        await redis.aclose()
        redisProcess.stop()


# The startup republish must not leave the older document in Redis over the update committed meanwhile.
async def test_anUpdateCommittedDuringTheRepublishIsNotOverwritten(tmp_path: Path) -> None:
    async with privateRedis(tmp_path) as redis:
        publisher = RedisSettingsPublisher(redis)
        settings = RacingSettings(publisher)
        republished = await PublishStoredSettings(settings, publisher).execute()  # type: ignore[arg-type]
        assert republished == Republished(published=["cors"], removed=[])
        assert json.loads(await redis.get(CORS_KEY)) == {"version": 6, "origins": ["https://new.example.com"]}
        assert settings.reads == 3


class NothingStored:
    async def get(self, key: str) -> SystemSetting | None:
        return None


# With nothing stored (a restore to a backup taken before any save) the servers get the document that brings
# CORS_ORIGINS back, not a missing key (which they read as Redis having lost it, keeping their origins), and the
# gateway no key (its defaults); both announced.
async def test_withNothingStoredTheServersAreToldToUseCorsOrigins(tmp_path: Path) -> None:
    async with privateRedis(tmp_path) as redis, redis.pubsub() as pubsub:
        await redis.set(CORS_KEY, json.dumps({"version": 3, "origins": ["https://old.example.com"]}))
        await redis.set(RATE_LIMITS_KEY, json.dumps({"version": 3, "rules": []}))
        await pubsub.subscribe(SETTINGS_CHANNEL)
        await pubsub.get_message(timeout=1)  # the subscription's confirmation
        useCase = PublishStoredSettings(NothingStored(), RedisSettingsPublisher(redis))  # type: ignore[arg-type]
        assert await useCase.execute() == Republished(published=["cors"], removed=["rate-limits"])
        assert json.loads(await redis.get(CORS_KEY)) == {"version": 0, "origins": None}
        assert await redis.exists(RATE_LIMITS_KEY) == 0
        announced = [await pubsub.get_message(ignore_subscribe_messages=True, timeout=1) for _ in range(2)]
        assert [message["data"] for message in announced if message] == [CORS_KEY, RATE_LIMITS_KEY]
        assert await useCase.execute() == Republished(published=["cors"], removed=[])
        await redis.delete(CORS_KEY)
        assert await useCase.execute() == Republished(published=["cors"], removed=[])
        assert json.loads(await redis.get(CORS_KEY)) == {"version": 0, "origins": None}
