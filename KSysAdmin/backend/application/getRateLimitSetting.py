from __future__ import annotations

from KSysAdmin.backend.application.settingsInput import RateLimitDefaults
from KSysAdmin.backend.application.settingsOutput import RateLimitRuleOutput, RateLimitsOutput
from KSysAdmin.backend.domain.interfaces.settingsRepositoryInterface import SettingsRepositoryInterface
from KSysAdmin.backend.domain.settingsDocuments import SettingName


# Version 0 means nothing stored yet: the gateway applies its built-in defaults. Stored rules override
# the defaults per route group; the answer lists the defaults too.
class GetRateLimitSetting:
    def __init__(self, settings: SettingsRepositoryInterface, defaults: RateLimitDefaults) -> None:
        self.settings = settings
        self.defaults = defaults

    async def execute(self) -> RateLimitsOutput:
        stored = await self.settings.get(SettingName.RATE_LIMITS.value)
        rules = await self.settings.listRateLimitRules()
        return RateLimitsOutput(
            version=stored.version if stored else 0,
            rules=[RateLimitRuleOutput.model_validate(rule) for rule in rules],
            updatedAt=stored.updatedAt if stored else None,
            updatedBy=stored.updatedBy if stored else None,
            defaults=[RateLimitRuleOutput.model_validate(rule) for rule in self.defaults.rules],
            anonymousGroups=self.defaults.anonymousGroups,
        )
