from __future__ import annotations

from KSysAdmin.backend.domain.interfaces.settingsPublisherInterface import SettingsPublisherInterface
from KSysAdmin.backend.domain.interfaces.settingsRepositoryInterface import SettingsRepositoryInterface
from KSysAdmin.backend.domain.settingsDocuments import SettingName, corsDocument, rateLimitsDocument, storedOrigins


# Run at startup: Redis may have been flushed or restarted; PostgreSQL holds the truth.
class PublishStoredSettings:
    def __init__(self, settings: SettingsRepositoryInterface, publisher: SettingsPublisherInterface) -> None:
        self.settings = settings
        self.publisher = publisher

    async def execute(self) -> list[str]:
        published = []
        cors = await self.settings.get(SettingName.CORS.value)
        if cors is not None:
            await self.publisher.publish(SettingName.CORS.value, corsDocument(cors.version, storedOrigins(cors.value)))
            published.append(SettingName.CORS.value)
        limits = await self.settings.get(SettingName.RATE_LIMITS.value)
        if limits is not None:
            rules = await self.settings.listRateLimitRules()
            await self.publisher.publish(SettingName.RATE_LIMITS.value, rateLimitsDocument(limits.version, rules))
            published.append(SettingName.RATE_LIMITS.value)
        return published
