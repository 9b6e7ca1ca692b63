from __future__ import annotations

import uuid

from KAuthApp.backend.application.accountExportOutput import (
    AccountExportOutput,
    ExportedActivityOutput,
    ExportedSessionOutput,
    ExportTruncation,
)
from KAuthApp.backend.application.auditTrail import AuditTrail
from KAuthApp.backend.application.getProfile import GetProfile
from KAuthApp.backend.domain.interfaces.accountExportInterface import AccountExportInterface
from KAuthApp.backend.domain.interfaces.transactionInterface import TransactionInterface
from KAuthApp.backend.domain.models.auditLog import AuditLog, AuditOutcome
from shared.backend.database.modelSupport import utcNow

ACTION = "auth.data_exported"
# Rows per list; a longer history is cut to its newest rows and flagged in `truncated`.
EXPORT_ROW_LIMIT = 10_000


def activityOutput(entry: AuditLog, userId: uuid.UUID) -> ExportedActivityOutput:
    byYou = entry.actorId == userId
    return ExportedActivityOutput(action=entry.action, outcome=entry.outcome, createdAt=entry.createdAt, byYou=byYou,
                                  ip=entry.ip if byYou else None, details=dict(entry.details) if byYou else None)


# The signed-in user's data as one JSON document (docs/auth.md, "Data export"): the profile as GET me shows it, every
# session row, the payments and the audit entries by or about the account. Read only but for its own audit entry.
class ExportAccount:
    rowLimit = EXPORT_ROW_LIMIT

    def __init__(self, profiles: GetProfile, export: AccountExportInterface, audit: AuditTrail,
                 transaction: TransactionInterface) -> None:
        self.profiles = profiles
        self.export = export
        self.audit = audit
        self.transaction = transaction

    async def execute(self, userId: uuid.UUID) -> AccountExportOutput:
        account = await self.profiles.execute(userId)
        limit = self.rowLimit + 1
        sessions = await self.export.sessionsOf(userId, limit)
        payments = await self.export.paymentsOf(userId, limit)
        activity = await self.export.activityOf(userId, limit)
        truncated = ExportTruncation(sessions=len(sessions) > self.rowLimit, payments=len(payments) > self.rowLimit,
                                     activity=len(activity) > self.rowLimit)
        output = AccountExportOutput(
            exportedAt=utcNow(), account=account,
            sessions=[ExportedSessionOutput.model_validate(row, from_attributes=True)
                      for row in sessions[:self.rowLimit]],
            payments=payments[:self.rowLimit],
            activity=[activityOutput(entry, userId) for entry in activity[:self.rowLimit]],
            truncated=truncated,
        )
        await self.audit.record(ACTION, AuditOutcome.SUCCESS, actorId=userId, targetId=userId, details={
            "sessions": len(output.sessions), "payments": len(output.payments), "activity": len(output.activity)})
        await self.transaction.commit()
        return output
