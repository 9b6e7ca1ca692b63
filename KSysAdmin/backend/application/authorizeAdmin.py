from __future__ import annotations

import dataclasses
import uuid

from KSysAdmin.backend.application.auditTrail import AuditTrail
from KSysAdmin.backend.domain.adminPrincipal import AdminPrincipal, RequestContext, holdsAdminRole
from KSysAdmin.backend.domain.exceptions.adminErrors import (
    AdminAccessRevokedError,
    InsufficientRoleError,
    MissingTokenError,
)
from KSysAdmin.backend.domain.interfaces.userRepositoryInterface import UserRepositoryInterface
from KSysAdmin.backend.domain.models.auditLog import AuditOutcome
from KSysAdmin.backend.domain.models.role import RoleName
from KSysAdmin.backend.domain.models.user import User, UserStatus
from shared.backend.security.jwtCodec import JwtCodec


# Verifies the admin token, then re-reads the account: a lock, disable or demotion takes effect at once.
class AuthorizeAdmin:
    def __init__(
        self, users: UserRepositoryInterface, audit: AuditTrail, codec: JwtCodec, audience: str, requireMfa: bool
    ) -> None:
        self.users = users
        self.audit = audit
        self.codec = codec
        self.audience = audience
        self.requireMfa = requireMfa

    # target: what the request names (type and id), recorded on an insufficient_role refusal as the action's own
    # entries record it.
    async def execute(
        self, token: str | None, context: RequestContext, requireSuperadmin: bool, action: str,
        target: tuple[str, str] | None = None,
    ) -> AdminPrincipal:
        if not token:
            raise MissingTokenError()
        claims = self.codec.decode(token, self.audience)
        try:
            userId = uuid.UUID(claims.subject)
        except ValueError:
            raise AdminAccessRevokedError() from None
        user = await self.users.getById(userId)
        reason = self.revokedReason(user, claims.issuedAt, self.requireMfa)
        if user is None or reason is not None:
            # A valid admin token whose account was since deleted, locked or disabled: refused, and audited with the
            # account the signed token names as the actor (an admin, as proven as any signed-in caller).
            await self.audit.recordRefusal(context, None, action, AuditOutcome.DENIED, "user", userId,
                                           {"code": AdminAccessRevokedError.code, "reason": reason}, actorId=userId)
            raise AdminAccessRevokedError()
        roles = await self.users.rolesOf(user.id)
        principal = AdminPrincipal(userId=user.id, email=user.email, roles=roles, sessionId=claims.sessionId,
                                   issuedAt=claims.issuedAt)
        if not holdsAdminRole(roles) or (requireSuperadmin and not principal.isSuperadmin):
            await self.deny(context, principal, action, target)
        return principal

    # A token is void once its account's TOTP is off while the console requires it, and once the account's sessions
    # were revoked at or after its issue (iat is whole seconds). TOTP off is named first: turning it off (by its owner
    # or an admin's reset) also revokes the sessions, and the audit then says why. A lockout from failed sign-ins
    # (users.locked_until) is no reason: it stops guessing, not a token the right password earned.
    @staticmethod
    def revokedReason(user: User | None, issuedAt: int, requireMfa: bool) -> str | None:
        if user is None or user.deletedAt is not None:
            return "account_deleted"
        if user.status != UserStatus.ACTIVE.value:
            return f"status_{user.status}"
        if requireMfa and not user.mfaEnabled:
            return "mfa_off"
        if user.adminTokensValidAfter is not None and issuedAt <= user.adminTokensValidAfter.timestamp():
            return "token_revoked"
        return None

    async def deny(
        self, context: RequestContext, principal: AdminPrincipal, action: str, target: tuple[str, str] | None
    ) -> None:
        targetType, targetId = target or (None, None)
        await self.audit.recordRefusal(context, principal, action, AuditOutcome.DENIED, targetType, targetId,
                                       {"code": InsufficientRoleError.code, "roles": sorted(principal.roles)})
        raise InsufficientRoleError()


# The principal was read before the action took the roles lock: a demotion, lock, disable or revocation of the
# caller committed meanwhile (it held that lock) must refuse the action. Call it with the roles lock held; the
# audited() block around the action records the refusal.
async def confirmCaller(
    users: UserRepositoryInterface, principal: AdminPrincipal, requireSuperadmin: bool = False
) -> AdminPrincipal:
    user = await users.reload(principal.userId)
    # The second factor was checked by the authorisation a moment ago; what may change under the lock is the rest.
    if user is None or AuthorizeAdmin.revokedReason(user, principal.issuedAt, requireMfa=False) is not None:
        raise AdminAccessRevokedError()
    roles = await users.rolesOf(user.id)
    if not holdsAdminRole(roles) or (requireSuperadmin and RoleName.SUPERADMIN.value not in roles):
        raise InsufficientRoleError()
    return dataclasses.replace(principal, roles=roles)
