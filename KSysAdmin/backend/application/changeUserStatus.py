from __future__ import annotations

import uuid

from KSysAdmin.backend.application.auditTrail import AuditTrail
from KSysAdmin.backend.application.authorizeAdmin import confirmCaller
from KSysAdmin.backend.application.sessionRevoker import SessionRevoker
from KSysAdmin.backend.application.userOutput import UserOutput
from KSysAdmin.backend.domain.adminPrincipal import AdminPrincipal, RequestContext, mayManage
from KSysAdmin.backend.domain.exceptions.adminErrors import (
    InsufficientRoleError,
    LastSuperadminError,
    SelfActionError,
    UserNotFoundError,
)
from KSysAdmin.backend.domain.interfaces.transactionInterface import TransactionInterface
from KSysAdmin.backend.domain.interfaces.userRepositoryInterface import UserRepositoryInterface
from KSysAdmin.backend.domain.models.auditLog import AuditOutcome
from KSysAdmin.backend.domain.models.role import RoleName
from KSysAdmin.backend.domain.userStatusPolicy import REVOKING_ACTIONS, StatusAction, isTemporarilyLocked, nextStatus
from shared.backend.database.modelSupport import utcNow
from shared.backend.security.lockoutPolicy import clearFailures


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
        async with self.audit.audited(context, principal, auditAction, "user", userId):
            # The roles lock comes first, before the user's row, in the same order as role changes and
            # create-superadmin take them (the other order deadlocks); then the caller is read again under it.
            await self.users.lockRoleChanges()
            principal = await confirmCaller(self.users, principal)
            user = await self.users.getById(userId, forUpdate=True)
            # Read once the row is ours: a console token issued while we waited (its login held the row) is older.
            now = utcNow()
            # A soft-deleted account is gone for admin actions (its sessions can still be revoked).
            if user is None or user.deletedAt is not None:
                raise UserNotFoundError()
            roles = await self.users.rolesOf(user.id)
            if user.id != principal.userId and not mayManage(principal, roles):
                raise InsufficientRoleError()
            if action in REVOKING_ACTIONS and RoleName.SUPERADMIN.value in roles \
                    and await self.users.countActiveSuperadmins(excluding=user.id) == 0:
                raise LastSuperadminError()
            if user.id == principal.userId:
                raise SelfActionError()
            previous, lockedUntil = user.status, user.lockedUntil
            temporarilyLocked = isTemporarilyLocked(lockedUntil, now)
            user.status = nextStatus(action, previous, user.emailVerifiedAt, temporarilyLocked)
            user.updatedAt = now
            details: dict[str, object] = {"from": previous, "to": user.status}
            if action == StatusAction.UNLOCK:
                clearFailures(user)
                if temporarilyLocked and lockedUntil is not None:
                    details["lockoutEnded"] = lockedUntil.isoformat()
            if action in REVOKING_ACTIONS:
                revoked, revokeKeys = await self.revoker.revokeInTransaction(user.id, f"admin_{action.value}", now)
                details["revokedSessions"] = len(revoked)
            await self.users.flush()
            await self.audit.record(context, principal, auditAction, AuditOutcome.SUCCESS, "user", user.id, details)
            await self.transaction.commit()
        await self.revoker.removeKeys(revokeKeys)
        return UserOutput.of(user, list(roles))
