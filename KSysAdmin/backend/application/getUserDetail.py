from __future__ import annotations

import uuid

from KSysAdmin.backend.application.auditLogOutput import AuditLogOutput
from KSysAdmin.backend.application.userOutput import (
    PaymentSummaryOutput,
    SessionOutput,
    UserDetailOutput,
    UserOutput,
)
from KSysAdmin.backend.domain.exceptions.adminErrors import UserNotFoundError
from KSysAdmin.backend.domain.interfaces.auditLogRepositoryInterface import AuditLogRepositoryInterface
from KSysAdmin.backend.domain.interfaces.userRepositoryInterface import UserRepositoryInterface

SESSION_LIMIT = 50
AUDIT_LIMIT = 20


class GetUserDetail:
    def __init__(self, users: UserRepositoryInterface, auditLogs: AuditLogRepositoryInterface) -> None:
        self.users = users
        self.auditLogs = auditLogs

    async def execute(self, userId: uuid.UUID) -> UserDetailOutput:
        user = await self.users.getById(userId)
        if user is None:
            raise UserNotFoundError()
        roles = await self.users.rolesOf(user.id)
        summary = await self.users.paymentSummary(user.id)
        sessions = await self.users.sessionsOf(user.id, SESSION_LIMIT)
        audit = await self.auditLogs.recentForUser(user.id, AUDIT_LIMIT)
        return UserDetailOutput(
            **UserOutput.of(user, list(roles)).model_dump(),
            sessions=[SessionOutput.model_validate(session) for session in sessions],
            paymentSummary=PaymentSummaryOutput(
                total=summary.total, byStatus=summary.byStatus, paidAmount=summary.paidAmount
            ),
            recentAudit=[AuditLogOutput.model_validate(entry) for entry in audit],
        )
