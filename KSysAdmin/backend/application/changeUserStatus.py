from __future__ import annotations

import uuid

from KSysAdmin.backend.application.auditTrail import AuditTrail
from KSysAdmin.backend.application.authorizeAdmin import confirmCaller
from KSysAdmin.backend.application.sessionRevoker import SessionRevoker
from KSysAdmin.backend.application.userOutput import UserOutput
from KSysAdmin.backend.domain.adminPrincipal import AdminPrincipal, RequestContext, mayManage
from KSysAdmin.backend.domain.exceptions.adminErrors import (
    InsufficientRoleError,
    InvalidStatusTransitionError,
    LastSuperadminError,
    SelfActionError,
)
from KSysAdmin.backend.domain.interfaces.transactionInterface import TransactionInterface
from KSysAdmin.backend.domain.interfaces.userRepositoryInterface import UserRepositoryInterface
from KSysAdmin.backend.domain.models.auditLog import AuditOutcome
from KSysAdmin.backend.domain.models.role import RoleName
from KSysAdmin.backend.domain.targetUser import changeableTarget
from KSysAdmin.backend.domain.userStatusPolicy import (
    ALLOWED_FROM,
    REVOKING_ACTIONS,
    StatusAction,
    isTemporarilyLocked,
    nextStatus,
)
from shared.backend.database.modelSupport import utcNow
from shared.backend.security.lockoutPolicy import clearFailures

REPAIR_ACTION = "user.session_keys_removed"


class ChangeUserStatus:
    def __init__(
        self,
        users: UserRepositoryInterface,
        audit: AuditTrail,
        transaction: TransactionInterface,
        revoker: SessionRevoker,
    ) -> None:
        self.users = users
        self.audit = audit
        self.transaction = transaction
        self.revoker = revoker

    async def execute(
        self, principal: AdminPrincipal, userId: uuid.UUID, action: StatusAction, context: RequestContext
    ) -> UserOutput:
        auditAction = f"user.{action.value}"
        revokeKeys: list[uuid.UUID] = []
        survivingKeys: list[uuid.UUID] = []
        try:
            async with self.audit.audited(context, principal, auditAction, "user", userId):
                # The roles lock comes first, before the user's row, in the same order as role changes and
                # create-superadmin take them (the other order deadlocks); then the caller is read again under it.
                await self.users.lockRoleChanges()
                principal = await confirmCaller(self.users, principal)
                user = changeableTarget(await self.users.getById(userId, forUpdate=True))
                # Read once the row is ours: a console token issued while we waited (its login held the row) is older.
                now = utcNow()
                roles = await self.users.rolesOf(user.id)
                if user.id != principal.userId and not mayManage(principal, roles):
                    raise InsufficientRoleError()
                if action in REVOKING_ACTIONS and RoleName.SUPERADMIN.value in roles \
                        and await self.users.countActiveSuperadmins(excluding=user.id) == 0:
                    raise LastSuperadminError()
                if user.id == principal.userId:
                    raise SelfActionError()
                previous, lockedUntil = user.status, user.lockedUntil
                if action in REVOKING_ACTIONS and previous not in ALLOWED_FROM[action]:
                    # A lock or disable refused below (a repeat, a lock of a disabled account) finds the sessions
                    # revoked by an earlier one, whose Redis deletion may have failed after its commit (503
                    # session_keys_not_removed): their keys go all the same.
                    survivingKeys = await self.users.unexpiredSessionIds(user.id, now)
                temporarilyLocked = isTemporarilyLocked(lockedUntil, now)
                user.status = nextStatus(action, previous, user.emailVerifiedAt, temporarilyLocked)
                user.updatedAt = now
                details: dict[str, object] = {"from": previous, "to": user.status}
                if action == StatusAction.UNLOCK:
                    clearFailures(user)
                    if temporarilyLocked and lockedUntil is not None:
                        details["lockoutEnded"] = lockedUntil.isoformat()
                if action in REVOKING_ACTIONS:
                    revoked, revokeKeys = await self.revoker.revokeInTransaction(
                        user.id, f"admin_{action.value}", now)
                    details["revokedSessions"] = len(revoked)
                await self.users.flush()
                await self.audit.record(context, principal, auditAction, AuditOutcome.SUCCESS, "user", user.id,
                                        details)
                await self.transaction.commit()
        except InvalidStatusTransitionError:
            # The refusal is recorded; the repair comes after it, outside the row lock, and answers 503 if it fails.
            await self.removeSurvivingKeys(context, principal, userId, auditAction, survivingKeys)
            raise
        await self.revoker.removeKeys(revokeKeys)
        return UserOutput.of(user, list(roles))

    # Deletes the keys a failed Redis call left to sessions the database already revoked (the gateway would let
    # their tokens in until the keys' TTL) and audits the repair when a key was still there.
    async def removeSurvivingKeys(
        self, context: RequestContext, principal: AdminPrincipal, userId: uuid.UUID, auditAction: str,
        sessionIds: list[uuid.UUID],
    ) -> None:
        if not sessionIds:
            return
        removed = await self.revoker.removeKeys(sessionIds)
        if removed:
            await self.audit.record(context, principal, REPAIR_ACTION, AuditOutcome.SUCCESS, "user", userId,
                                    {"removedSessionKeys": removed, "repeated": auditAction})
            await self.transaction.commit()
