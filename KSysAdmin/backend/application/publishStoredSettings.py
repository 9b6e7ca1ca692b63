from __future__ import annotations

from KSysAdmin.backend.domain.interfaces.settingsPublisherInterface import SettingsPublisherInterface
from KSysAdmin.backend.domain.interfaces.settingsRepositoryInterface import SettingsRepositoryInterface
from KSysAdmin.backend.domain.settingsDocuments import SettingName, corsDocument, rateLimitsDocument, storedOrigins
from shared.backend.loggingFactory import getSystemLogger

logger = getSystemLogger("admin.settings")
# Reads of PostgreSQL after a forced write, to catch an update another admin process committed meanwhile.
REREADS = 5


# Run at startup: Redis may have been flushed or restarted; PostgreSQL holds the truth, so its values are
# written even over a higher version (a restored database). Another admin process may commit and publish an
# update between this read and this write, which would put the older document back: so PostgreSQL is read
# again after each write, and a changed document is written in its turn.
class PublishStoredSettings:
    def __init__(self, settings: SettingsRepositoryInterface, publisher: SettingsPublisherInterface) -> None:
        self.settings = settings
        self.publisher = publisher

    async def execute(self) -> list[str]:
        names = (SettingName.CORS.value, SettingName.RATE_LIMITS.value)
        return [name for name in names if await self.publishStored(name)]

    async def publishStored(self, name: str) -> bool:
        written: dict[str, object] | None = None
        for _ in range(REREADS):
            document = await self.storedDocument(name)
            if document is None or document == written:
                return written is not None
            await self.publisher.publish(name, document, force=True)
            written = document
        logger.warning("settings_republish_unsettled", "Stored settings kept changing during the republish",
                       setting=name, version=written["version"] if written else None)
        return True

    async def storedDocument(self, name: str) -> dict[str, object] | None:
        stored = await self.settings.get(name)
        if stored is None:
            return None
        if name == SettingName.CORS.value:
            return corsDocument(stored.version, storedOrigins(stored.value))
        return rateLimitsDocument(stored.version, await self.settings.listRateLimitRules())
