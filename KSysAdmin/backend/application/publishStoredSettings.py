from __future__ import annotations

from dataclasses import dataclass

from KSysAdmin.backend.domain.interfaces.settingsPublisherInterface import SettingsPublisherInterface
from KSysAdmin.backend.domain.interfaces.settingsRepositoryInterface import SettingsRepositoryInterface
from KSysAdmin.backend.domain.settingsDocuments import (
    SettingName,
    corsDocument,
    rateLimitsDocument,
    storedOrigins,
    unstoredDocument,
)
from shared.backend.loggingFactory import getSystemLogger

logger = getSystemLogger("admin.settings")
# Reads of PostgreSQL after a forced write, to catch an update another admin process committed meanwhile.
REREADS = 5
# What a pass leaves in Redis for rate limits PostgreSQL does not hold: no key.
ABSENT = "absent"


@dataclass(frozen=True)
class Republished:
    published: list[str]
    removed: list[str]


# Run at startup: Redis may have been flushed or restarted; PostgreSQL holds the truth, so its values are
# written even over a higher version (a restored database). For a setting it does not hold (a restore to a backup
# taken before any save) the servers get the CORS document that says so (CORS_ORIGINS apply; a missing key keeps
# their origins) and the gateway no rate-limits key (its defaults apply). Another admin process may commit and
# publish an update between this read and this write, which would put the older document back or remove the new
# one: so PostgreSQL is read again after each write, and a changed document is written in its turn.
class PublishStoredSettings:
    def __init__(self, settings: SettingsRepositoryInterface, publisher: SettingsPublisherInterface) -> None:
        self.settings = settings
        self.publisher = publisher

    async def execute(self) -> Republished:
        published: list[str] = []
        removed: list[str] = []
        for name in (SettingName.CORS.value, SettingName.RATE_LIMITS.value):
            outcome = await self.publishStored(name)
            if outcome == ABSENT:
                removed.append(name)
            elif outcome is not None:
                published.append(name)
        return Republished(published=published, removed=removed)

    # Answers what it left in Redis (the document, or ABSENT once it removed one), None when it changed nothing.
    async def publishStored(self, name: str) -> dict[str, object] | str | None:
        written: dict[str, object] | str | None = None
        for _ in range(REREADS):
            document = await self.storedDocument(name)
            wanted = ABSENT if document is None else document
            if wanted == written:
                return written
            if document is not None:
                await self.publisher.publish(name, document, force=True)
            elif not await self.publisher.unpublish(name) and written is None:
                return None
            written = wanted
        logger.warning("settings_republish_unsettled", "Stored settings kept changing during the republish",
                       setting=name, version=written["version"] if isinstance(written, dict) else None)
        return written

    # None: no key (the rate limits PostgreSQL does not hold).
    async def storedDocument(self, name: str) -> dict[str, object] | None:
        stored = await self.settings.get(name)
        if stored is None:
            return unstoredDocument(name)
        if name == SettingName.CORS.value:
            return corsDocument(stored.version, storedOrigins(stored.value))
        return rateLimitsDocument(stored.version, await self.settings.listRateLimitRules())
