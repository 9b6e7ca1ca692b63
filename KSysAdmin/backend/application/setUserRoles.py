from __future__ import annotations

import uuid

from KSysAdmin.backend.application.auditTrail import AuditTrail
from KSysAdmin.backend.application.authorizeAdmin import confirmCaller
from KSysAdmin.backend.application.rolesInput import RolesInput
from KSysAdmin.backend.application.userOutput import UserOutput
from KSysAdmin.backend.domain.adminPrincipal import AdminPrincipal, RequestContext
from KSysAdmin.backend.domain.exceptions.adminErrors import (
    InsufficientRoleError,
    LastSuperadminError,
)
from KSysAdmin.backend.domain.interfaces.transactionInterface import TransactionInterface
from KSysAdmin.backend.domain.interfaces.userRepositoryInterface import UserRepositoryInterface
from KSysAdmin.backend.domain.models.auditLog import AuditOutcome
from KSysAdmin.backend.domain.models.role import RoleName
from KSysAdmin.backend.domain.targetUser import changeableTarget
from shared.backend.database.modelSupport import utcNow

ACTION = "user.roles_set"


class SetUserRoles:
    def __init__(self, users: UserRepositoryInterface, audit: AuditTrail, transaction: TransactionInterface) -> None:
        self.users = users
        self.audit = audit
        self.transaction = transaction

    async def execute(
        self, principal: AdminPrincipal, userId: uuid.UUID, data: RolesInput, context: RequestContext
    ) -> UserOutput:
        wanted = set(data.roles)
        async with self.audit.audited(context, principal, ACTION, "user", userId):
            if not principal.isSuperadmin:
                raise InsufficientRoleError()
            await self.users.lockRoleChanges()
            principal = await confirmCaller(self.users, principal, requireSuperadmin=True)
            user = changeableTarget(await self.users.getById(userId, forUpdate=True))
            current = await self.users.rolesOf(user.id)
            superadmin = RoleName.SUPERADMIN.value
            demoting = superadmin in current and superadmin not in wanted
            if demoting and await self.users.countActiveSuperadmins(excluding=user.id) == 0:
                raise LastSuperadminError()
            await self.users.setRoles(user.id, wanted)
            user.updatedAt = utcNow()
            await self.users.flush()
            await self.audit.record(context, principal, ACTION, AuditOutcome.SUCCESS, "user", user.id,
                                    {"from": sorted(current), "to": sorted(wanted)})
            await self.transaction.commit()
        return UserOutput.of(user, sorted(wanted))
