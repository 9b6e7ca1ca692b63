from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Protocol

from KSysAdmin.backend.application.auditTrail import AuditTrail
from KSysAdmin.backend.domain.adminPrincipal import RequestContext
from KSysAdmin.backend.domain.interfaces.encryptedColumnsInterface import EncryptedColumnsInterface, EncryptedRow
from KSysAdmin.backend.domain.interfaces.transactionInterface import TransactionInterface
from KSysAdmin.backend.domain.models.auditLog import ActorType, AuditOutcome
from shared.backend.cryptoFactory import DecryptionError
from shared.backend.security.fieldContexts import ENCRYPTED_USER_COLUMNS

ACTION = "cli.reencrypt_secrets"
# One entry per committed batch that moved values, in that batch's transaction: a run stopped part-way (Ctrl-C,
# a lost connection) leaves no moved value unaudited; the summary entry comes at the end.
BATCH_ACTION = "cli.reencrypt_secrets_batch"
SYSTEM_CONTEXT = RequestContext(requestId=None, ip=None)
# Unreadable values named in the audit entry; the command prints them all.
AUDITED_UNREADABLE = 50


class Reencrypter(Protocol):
    def reencryptSensitive(self, value: str, context: str) -> str | None: ...


@dataclass
class ReencryptReport:
    rows: int = 0
    reencrypted: int = 0
    current: int = 0
    unreadable: list[str] = field(default_factory=list)

    def details(self, dryRun: bool) -> dict[str, object]:
        return {"rows": self.rows, "reencrypted": self.reencrypted, "current": self.current,
                "unreadable": len(self.unreadable), "unreadableValues": self.unreadable[:AUDITED_UNREADABLE],
                "dryRun": dryRun}


# After a master key rotation: every encrypted value still under a previous key is written again under the
# current one, a batch of locked rows per transaction, so the command can be stopped and run again. A value
# no configured key opens is left as it is and reported. A dry run only counts: it reads the same batches
# without locks, so it neither waits for nor holds up the rows users are changing.
class ReencryptSecrets:
    def __init__(self, columns: EncryptedColumnsInterface, audit: AuditTrail, transaction: TransactionInterface,
                 cipher: Reencrypter, batchSize: int) -> None:
        self.columns = columns
        self.audit = audit
        self.transaction = transaction
        self.cipher = cipher
        self.batchSize = batchSize

    async def execute(self, dryRun: bool) -> ReencryptReport:
        report = ReencryptReport()
        afterId: uuid.UUID | None = None
        while rows := await self.columns.nextBatch(afterId, self.batchSize, forUpdate=not dryRun):
            moved = 0
            for row in rows:
                changed = self.reencryptRow(row, report)
                if changed and not dryRun:
                    await self.columns.store(row.userId, changed)
                    moved += len(changed)
            afterId = rows[-1].userId
            if dryRun:
                await self.transaction.rollback()
                continue
            if moved:
                await self.audit.record(SYSTEM_CONTEXT, None, BATCH_ACTION, AuditOutcome.SUCCESS, "crypto", None,
                                        {"reencrypted": moved, "firstUserId": str(rows[0].userId),
                                         "lastUserId": str(afterId)}, actorType=ActorType.SYSTEM)
            await self.transaction.commit()
        outcome = AuditOutcome.FAILURE if report.unreadable else AuditOutcome.SUCCESS
        await self.audit.record(SYSTEM_CONTEXT, None, ACTION, outcome, "crypto", None,
                                report.details(dryRun), actorType=ActorType.SYSTEM)
        await self.transaction.commit()
        return report

    def reencryptRow(self, row: EncryptedRow, report: ReencryptReport) -> dict[str, str]:
        report.rows += 1
        changed = {}
        for column, value in row.values.items():
            try:
                moved = self.cipher.reencryptSensitive(value, ENCRYPTED_USER_COLUMNS[column](row.userId))
            except DecryptionError:
                report.unreadable.append(f"user {row.userId} {column}")
                continue
            if moved is None:
                report.current += 1
            else:
                report.reencrypted += 1
                changed[column] = moved
        return changed
