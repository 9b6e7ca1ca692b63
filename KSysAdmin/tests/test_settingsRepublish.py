from __future__ import annotations

import json

from KSysAdmin.backend.application.publishStoredSettings import PublishStoredSettings
from KSysAdmin.backend.domain.models.systemSetting import SystemSetting
from KSysAdmin.backend.infrastructure.redis.settingsPublisher import RedisSettingsPublisher
from KSysAdmin.tests.adminSupport import AdminWorld

CORS_KEY = "ksysadmin:settings:cors"


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


# The startup republish must not leave the older document in Redis over the update committed meanwhile.
async def test_anUpdateCommittedDuringTheRepublishIsNotOverwritten(world: AdminWorld) -> None:
    publisher = RedisSettingsPublisher(world.redis)
    settings = RacingSettings(publisher)
    try:
        assert await PublishStoredSettings(settings, publisher).execute() == ["cors"]  # type: ignore[arg-type]
        assert json.loads(await world.redis.get(CORS_KEY)) == {"version": 6, "origins": ["https://new.example.com"]}
        assert settings.reads == 3
    finally:
        await world.redis.delete(CORS_KEY)
