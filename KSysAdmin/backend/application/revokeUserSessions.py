from __future__ import annotations

import uuid

from KSysAdmin.backend.application.auditTrail import AuditTrail
from KSysAdmin.backend.application.authorizeAdmin import confirmCaller
from KSysAdmin.backend.application.sessionRevoker import SessionRevoker
from KSysAdmin.backend.application.userOutput import RevokeSessionsOutput
from KSysAdmin.backend.domain.adminPrincipal import AdminPrincipal, RequestContext, mayManage
from KSysAdmin.backend.domain.exceptions.adminErrors import InsufficientRoleError
from KSysAdmin.backend.domain.interfaces.transactionInterface import TransactionInterface
from KSysAdmin.backend.domain.interfaces.userRepositoryInterface import UserRepositoryInterface
from KSysAdmin.backend.domain.models.auditLog import AuditOutcome
from KSysAdmin.backend.domain.targetUser import existingTarget
from shared.backend.database.modelSupport import utcNow

ACTION = "user.sessions_revoke"


class RevokeUserSessions:
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
        self, principal: AdminPrincipal, userId: uuid.UUID, context: RequestContext
    ) -> RevokeSessionsOutput:
        async with self.audit.audited(context, principal, ACTION, "user", userId):
            await self.users.lockRoleChanges()
            principal = await confirmCaller(self.users, principal)
            # An account soft-deleted otherwise (deleted_at alone) can still have its sessions revoked.
            user = existingTarget(await self.users.getById(userId, forUpdate=True))
            if user.id != principal.userId and not mayManage(principal, await self.users.rolesOf(user.id)):
                raise InsufficientRoleError()
            revoked, keys = await self.revoker.revokeInTransaction(user.id, "admin_revoke", utcNow())
            await self.audit.record(context, principal, ACTION, AuditOutcome.SUCCESS, "user", user.id,
                                    {"revokedSessions": len(revoked)})
            await self.transaction.commit()
        removed = await self.revoker.removeKeys(keys)
        return RevokeSessionsOutput(revokedSessions=len(revoked), removedSessionKeys=removed)
