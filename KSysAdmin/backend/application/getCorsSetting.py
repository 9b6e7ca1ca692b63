from __future__ import annotations

from KSysAdmin.backend.application.settingsOutput import CorsOutput
from KSysAdmin.backend.domain.interfaces.settingsRepositoryInterface import SettingsRepositoryInterface
from KSysAdmin.backend.domain.settingsDocuments import SettingName, storedOrigins


# Version 0 means nothing stored yet: the servers use CORS_ORIGINS from their environment.
class GetCorsSetting:
    def __init__(self, settings: SettingsRepositoryInterface, defaultOrigins: list[str]) -> None:
        self.settings = settings
        self.defaultOrigins = defaultOrigins

    async def execute(self) -> CorsOutput:
        stored = await self.settings.get(SettingName.CORS.value)
        if stored is None:
            return CorsOutput(version=0, origins=list(self.defaultOrigins), updatedAt=None, updatedBy=None)
        return CorsOutput(version=stored.version, origins=storedOrigins(stored.value), updatedAt=stored.updatedAt,
                          updatedBy=stored.updatedBy)
