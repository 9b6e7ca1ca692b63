from __future__ import annotations

from dataclasses import dataclass

from KSysAdmin.backend.application.auditTrail import AuditTrail
from KSysAdmin.backend.application.settingsPublication import publishOrRaise
from KSysAdmin.backend.domain.adminPrincipal import RequestContext
from KSysAdmin.backend.domain.exceptions.adminErrors import StaleVersionError
from KSysAdmin.backend.domain.interfaces.settingsPublisherInterface import SettingsPublisherInterface
from KSysAdmin.backend.domain.interfaces.settingsRepositoryInterface import SettingsRepositoryInterface
from KSysAdmin.backend.domain.interfaces.transactionInterface import TransactionInterface
from KSysAdmin.backend.domain.models.auditLog import ActorType, AuditOutcome
from KSysAdmin.backend.domain.settingsDocuments import SettingName, rateLimitsDocument, ruleDocument

ACTION = "cli.reset_rate_limits"


@dataclass(frozen=True)
class ResetRateLimitsResult:
    version: int
    removedRules: int


# Recovery when a rule keeps the admins out (the PUT that would undo it is limited too): stores an empty list of
# overrides as a new version, so the gateway applies its built-in defaults to every route group (scaled by its
# limit scale, which stored rules are not), and publishes it over whatever Redis holds.
class ResetRateLimits:
    def __init__(
        self, settings: SettingsRepositoryInterface, publisher: SettingsPublisherInterface, audit: AuditTrail,
        transaction: TransactionInterface,
    ) -> None:
        self.settings = settings
        self.publisher = publisher
        self.audit = audit
        self.transaction = transaction

    async def execute(self) -> ResetRateLimitsResult:
        name = SettingName.RATE_LIMITS.value
        current = await self.settings.get(name)
        stored = await self.settings.compareAndSet(name, current.version if current else 0, {"rules": []}, None)
        if stored is None:
            raise StaleVersionError("The rate limits changed meanwhile: run the command again")
        previousRules = [ruleDocument(rule) for rule in await self.settings.listRateLimitRules()]
        await self.settings.replaceRateLimitRules([])
        await self.audit.record(RequestContext(requestId=None, ip=None), None, ACTION, AuditOutcome.SUCCESS,
                                "setting", name, {"version": stored.version, "from": previousRules, "rules": []},
                                actorType=ActorType.SYSTEM)
        await self.transaction.commit()
        await publishOrRaise(self.publisher, name, rateLimitsDocument(stored.version, []), force=True)
        return ResetRateLimitsResult(version=stored.version, removedRules=len(previousRules))
