from __future__ import annotations

import uuid
from dataclasses import dataclass

from KAuthApp.backend.application.auditTrail import AuditTrail
from KAuthApp.backend.application.getProfile import GetProfile
from KAuthApp.backend.domain.interfaces.accountExportInterface import AccountExportInterface, ExportRow
from KAuthApp.backend.domain.interfaces.transactionInterface import TransactionInterface
from KAuthApp.backend.domain.models.auditLog import AuditOutcome
from shared.backend.database.modelSupport import utcNow

ACTION = "auth.data_exported"
# Rows per list; a longer history is cut to its newest rows and flagged in `truncated`.
EXPORT_ROW_LIMIT = 10_000


# The JSON document (AccountExportOutput's schema) and the file name it is saved under.
@dataclass(frozen=True)
class AccountExport:
    document: dict[str, object]
    fileName: str


# ip and details only for the user's own actions (an admin's or a stranger's are theirs).
def activityEntry(row: ExportRow, userId: uuid.UUID) -> ExportRow:
    byYou = row["actorId"] == userId
    return {"action": row["action"], "outcome": row["outcome"], "createdAt": row["createdAt"], "byYou": byYou,
            "ip": row["ip"] if byYou else None, "details": row["details"] if byYou else None}


# The signed-in user's data as one JSON document (docs/auth.md, "Data export"; its schema is AccountExportOutput): the
# profile as GET me shows it, every session row, the payments and the audit entries by or about the account (but for
# its console actions as an admin on others: accountExportQuery.py). Read only but for its own audit entry.
class ExportAccount:
    rowLimit = EXPORT_ROW_LIMIT

    def __init__(self, profiles: GetProfile, export: AccountExportInterface, audit: AuditTrail,
                 transaction: TransactionInterface) -> None:
        self.profiles = profiles
        self.export = export
        self.audit = audit
        self.transaction = transaction

    async def execute(self, userId: uuid.UUID) -> AccountExport:
        account = await self.profiles.execute(userId)
        limit = self.rowLimit + 1
        lists = await self.export.listsOf(userId, limit)
        sessions, payments, activity = lists.sessions, lists.payments, lists.activity
        truncated = {"sessions": len(sessions) > self.rowLimit, "payments": len(payments) > self.rowLimit,
                     "activity": len(activity) > self.rowLimit}
        sessions, payments = sessions[:self.rowLimit], payments[:self.rowLimit]
        entries = [activityEntry(row, userId) for row in activity[:self.rowLimit]]
        await self.audit.record(ACTION, AuditOutcome.SUCCESS, actorId=userId, targetId=userId, details={
            "sessions": len(sessions), "payments": len(payments), "activity": len(entries)})
        await self.transaction.commit()
        exportedAt = utcNow()
        document = {"exportedAt": exportedAt, "account": account.model_dump(by_alias=True), "sessions": sessions,
                    "payments": payments, "activity": entries, "truncated": truncated}
        return AccountExport(document, f"kservices-data-{exportedAt.date().isoformat()}.json")
