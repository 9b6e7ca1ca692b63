from __future__ import annotations

import uuid

from KSysAdmin.backend.application.auditTrail import AuditTrail
from KSysAdmin.backend.application.authorizeAdmin import confirmCaller
from KSysAdmin.backend.application.sessionRevoker import SessionRevoker
from KSysAdmin.backend.application.userOutput import UserOutput
from KSysAdmin.backend.domain.adminPrincipal import AdminPrincipal, RequestContext, mayManage
from KSysAdmin.backend.domain.exceptions.adminErrors import (
    InsufficientRoleError,
    MfaNotEnabledError,
    SelfActionError,
)
from KSysAdmin.backend.domain.interfaces.transactionInterface import TransactionInterface
from KSysAdmin.backend.domain.interfaces.userRepositoryInterface import UserRepositoryInterface
from KSysAdmin.backend.domain.models.auditLog import AuditOutcome
from KSysAdmin.backend.domain.targetUser import changeableTarget
from shared.backend.database.modelSupport import utcNow

ACTION = "user.mfa_reset"


# Account recovery for a user who lost the authenticator and the recovery codes: TOTP off, its secret and
# recovery codes deleted, every session revoked (whoever holds one may have got in with the old factor). The
# user logs in with the password alone and may enable TOTP again. Never on one's own account.
class ResetUserMfa:
    def __init__(
        self, users: UserRepositoryInterface, audit: AuditTrail, transaction: TransactionInterface,
        revoker: SessionRevoker,
    ) -> None:
        self.users = users
        self.audit = audit
        self.transaction = transaction
        self.revoker = revoker

    async def execute(self, principal: AdminPrincipal, userId: uuid.UUID, context: RequestContext) -> UserOutput:
        async with self.audit.audited(context, principal, ACTION, "user", userId):
            await self.users.lockRoleChanges()
            principal = await confirmCaller(self.users, principal)
            user = changeableTarget(await self.users.getById(userId, forUpdate=True))
            now = utcNow()  # after the row lock, as in ChangeUserStatus
            roles = await self.users.rolesOf(user.id)
            if user.id == principal.userId:
                raise SelfActionError()
            if not mayManage(principal, roles):
                raise InsufficientRoleError()
            if not user.mfaEnabled:
                raise MfaNotEnabledError()
            user.mfaEnabled = False
            user.totpSecretEncrypted = None
            user.totpLastUsedStep = None
            user.updatedAt = now
            await self.users.flush()
            deletedCodes = await self.users.deleteRecoveryCodes(user.id)
            revoked, keys = await self.revoker.revokeInTransaction(user.id, "admin_mfa_reset", now)
            await self.audit.record(context, principal, ACTION, AuditOutcome.SUCCESS, "user", user.id,
                                    {"deletedRecoveryCodes": deletedCodes, "revokedSessions": len(revoked)})
            await self.transaction.commit()
        await self.revoker.removeKeys(keys)
        return UserOutput.of(user, list(roles))
