from __future__ import annotations

from KSysAdmin.backend.application.auditTrail import AuditTrail
from KSysAdmin.backend.application.settingsInput import RateLimitRuleInput, RateLimitsInput
from KSysAdmin.backend.application.settingsOutput import RateLimitRuleOutput, RateLimitsOutput
from KSysAdmin.backend.application.settingsPublication import publishOrRaise
from KSysAdmin.backend.domain.adminPrincipal import AdminPrincipal, RequestContext
from KSysAdmin.backend.domain.exceptions.adminErrors import InvalidSettingError, StaleVersionError
from KSysAdmin.backend.domain.interfaces.settingsPublisherInterface import SettingsPublisherInterface
from KSysAdmin.backend.domain.interfaces.settingsRepositoryInterface import SettingsRepositoryInterface
from KSysAdmin.backend.domain.interfaces.transactionInterface import TransactionInterface
from KSysAdmin.backend.domain.models.auditLog import AuditOutcome
from KSysAdmin.backend.domain.models.rateLimitRule import RateLimitRule, RouteGroup
from KSysAdmin.backend.domain.settingsDocuments import SettingName, rateLimitsDocument, ruleDocument

ACTION = "settings.rate_limits_update"
# The admin group carries the PUT that would undo a rule: a stricter one could lock every admin out.
ADMIN_FLOOR_REQUESTS, ADMIN_FLOOR_SECONDS = 30, 60
ADMIN_FLOOR_MESSAGE = (f"the admin group must allow at least {ADMIN_FLOOR_REQUESTS} requests per "
                       f"{ADMIN_FLOOR_SECONDS} seconds (0.5 per second), or no admin could undo it")


def belowAdminFloor(rule: RateLimitRuleInput) -> bool:
    return rule.routeGroup == RouteGroup.ADMIN.value and rule.enabled \
        and rule.limit * ADMIN_FLOOR_SECONDS < ADMIN_FLOOR_REQUESTS * rule.windowSeconds


class UpdateRateLimitSetting:
    def __init__(
        self,
        settings: SettingsRepositoryInterface,
        publisher: SettingsPublisherInterface,
        audit: AuditTrail,
        transaction: TransactionInterface,
    ) -> None:
        self.settings = settings
        self.publisher = publisher
        self.audit = audit
        self.transaction = transaction

    async def execute(
        self, principal: AdminPrincipal, data: RateLimitsInput, context: RequestContext
    ) -> RateLimitsOutput:
        name = SettingName.RATE_LIMITS.value
        async with self.audit.audited(context, principal, ACTION, "setting", name):
            # The gateway keys rules by route group, so one rule per group.
            seen: set[str] = set()
            for index, rule in enumerate(data.rules):
                if rule.routeGroup in seen:
                    raise InvalidSettingError(details=[{
                        "field": f"rules.{index}.routeGroup", "message": f"duplicate route group {rule.routeGroup}",
                    }])
                seen.add(rule.routeGroup)
                if belowAdminFloor(rule):
                    detail = {"field": f"rules.{index}.limit", "message": ADMIN_FLOOR_MESSAGE}
                    raise InvalidSettingError(details=[detail])
            rules = [RateLimitRule(**rule.model_dump()) for rule in data.rules]
            snapshot = {"rules": [ruleDocument(rule) for rule in rules]}
            stored = await self.settings.compareAndSet(name, data.version, snapshot, principal.userId)
            if stored is None:
                raise StaleVersionError(details=[{"field": "version", "message": "not the current version"}])
            # Read under the setting's row lock that the update took, so no other change slips in between.
            previousRules = [ruleDocument(rule) for rule in await self.settings.listRateLimitRules()]
            await self.settings.replaceRateLimitRules(rules)
            await self.audit.record(context, principal, ACTION, AuditOutcome.SUCCESS, "setting", name,
                                    {"version": stored.version, "from": previousRules, **snapshot})
            await self.transaction.commit()
        await publishOrRaise(self.publisher, name, rateLimitsDocument(stored.version, rules))
        return RateLimitsOutput(
            version=stored.version, rules=[RateLimitRuleOutput.model_validate(rule) for rule in rules],
            updatedAt=stored.updatedAt, updatedBy=stored.updatedBy,
        )
