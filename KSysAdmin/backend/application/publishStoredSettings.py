from __future__ import annotations

from KSysAdmin.backend.domain.interfaces.settingsPublisherInterface import SettingsPublisherInterface
from KSysAdmin.backend.domain.interfaces.settingsRepositoryInterface import SettingsRepositoryInterface
from KSysAdmin.backend.domain.settingsDocuments import SettingName, corsDocument, rateLimitsDocument, storedOrigins


# Run at startup: Redis may have been flushed or restarted; PostgreSQL holds the truth, so its values are
# written even over a higher version (a restored database).
class PublishStoredSettings:
    def __init__(self, settings: SettingsRepositoryInterface, publisher: SettingsPublisherInterface) -> None:
        self.settings = settings
        self.publisher = publisher

    async def execute(self) -> list[str]:
        published = []
        cors = await self.settings.get(SettingName.CORS.value)
        if cors is not None:
            document = corsDocument(cors.version, storedOrigins(cors.value))
            await self.publisher.publish(SettingName.CORS.value, document, force=True)
            published.append(SettingName.CORS.value)
        limits = await self.settings.get(SettingName.RATE_LIMITS.value)
        if limits is not None:
            rules = await self.settings.listRateLimitRules()
            document = rateLimitsDocument(limits.version, rules)
            await self.publisher.publish(SettingName.RATE_LIMITS.value, document, force=True)
            published.append(SettingName.RATE_LIMITS.value)
        return published
