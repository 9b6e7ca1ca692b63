from __future__ import annotations

from dataclasses import dataclass

from KSysAdmin.backend.application.auditTrail import AuditTrail
from KSysAdmin.backend.application.authorizeAdmin import confirmCaller
from KSysAdmin.backend.application.settingsInput import RateLimitDefaults, RateLimitRuleInput, RateLimitsInput
from KSysAdmin.backend.application.settingsOutput import RateLimitRuleOutput, RateLimitsOutput
from KSysAdmin.backend.application.settingsPublication import publishOrRaise
from KSysAdmin.backend.domain.adminPrincipal import AdminPrincipal, RequestContext
from KSysAdmin.backend.domain.exceptions.adminErrors import InvalidSettingError, ScopeNotAllowedError, StaleVersionError
from KSysAdmin.backend.domain.interfaces.settingsPublisherInterface import SettingsPublisherInterface
from KSysAdmin.backend.domain.interfaces.settingsRepositoryInterface import SettingsRepositoryInterface
from KSysAdmin.backend.domain.interfaces.transactionInterface import TransactionInterface
from KSysAdmin.backend.domain.interfaces.userRepositoryInterface import UserRepositoryInterface
from KSysAdmin.backend.domain.models.auditLog import AuditOutcome
from KSysAdmin.backend.domain.models.rateLimitRule import RateLimitRule, RateLimitScope, RouteGroup
from KSysAdmin.backend.domain.settingsDocuments import SettingName, rateLimitsDocument, ruleDocument

ACTION = "settings.rate_limits_update"


# The least an enabled rule of a group must allow: `requests` per `seconds` on average, and `burst` within one
# window of its own.
@dataclass(frozen=True)
class RuleFloor:
    requests: int
    seconds: int
    burst: int
    message: str


# Below these the admins could not undo the rule through the API (`cli reset-rate-limits` would be the only way):
# the admin group carries the PUT that undoes it; the admin-login group the console's sign-in, which takes two
# requests with MFA (the console asks for the code after `mfa_required`) and one more per mistyped password or
# code, from an address several admins may share.
FLOORS = {
    RouteGroup.ADMIN.value: RuleFloor(30, 60, 1, "the admin group must allow at least 30 requests per 60 seconds "
                                      "(0.5 per second), or no admin could undo it"),
    RouteGroup.ADMIN_LOGIN.value: RuleFloor(5, 60, 5, "the admin-login group must allow at least 5 requests per 60 "
                                            "seconds and at least 5 per window, or no admin could sign in to undo it"),
}


def belowFloor(rule: RateLimitRuleInput) -> RuleFloor | None:
    floor = FLOORS.get(rule.routeGroup)
    if floor is None or not rule.enabled:
        return None
    tooFew = rule.limit < floor.burst or rule.limit * floor.seconds < floor.requests * rule.windowSeconds
    return floor if tooFew else None


class UpdateRateLimitSetting:
    def __init__(
        self,
        settings: SettingsRepositoryInterface,
        users: UserRepositoryInterface,
        publisher: SettingsPublisherInterface,
        audit: AuditTrail,
        transaction: TransactionInterface,
        defaults: RateLimitDefaults,
    ) -> None:
        self.settings = settings
        self.users = users
        self.publisher = publisher
        self.audit = audit
        self.transaction = transaction
        self.defaults = defaults

    async def execute(
        self, principal: AdminPrincipal, data: RateLimitsInput, context: RequestContext
    ) -> RateLimitsOutput:
        name = SettingName.RATE_LIMITS.value
        async with self.audit.audited(context, principal, ACTION, "setting", name):
            # The roles lock before the setting's row (one lock order), then the caller read again under it.
            await self.users.lockRoleChanges()
            principal = await confirmCaller(self.users, principal, requireSuperadmin=True)
            # The gateway keys rules by route group, so one rule per group.
            seen: set[str] = set()
            for index, rule in enumerate(data.rules):
                if rule.routeGroup in seen:
                    raise InvalidSettingError(details=[{
                        "field": f"rules.{index}.routeGroup", "message": f"duplicate route group {rule.routeGroup}",
                    }])
                seen.add(rule.routeGroup)
                if floor := belowFloor(rule):
                    raise InvalidSettingError(details=[{"field": f"rules.{index}.limit", "message": floor.message}])
                # A user scope there would count each attached session apart: N accounts, N times the budget.
                if rule.scope == RateLimitScope.USER and rule.routeGroup in self.defaults.anonymousGroups:
                    raise ScopeNotAllowedError(details=[{
                        "field": f"rules.{index}.scope",
                        "message": f"No signed-in user reaches {rule.routeGroup}: its rule must use scope ip",
                    }])
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
            defaults=[RateLimitRuleOutput.model_validate(rule) for rule in self.defaults.rules],
            anonymousGroups=self.defaults.anonymousGroups,
        )
