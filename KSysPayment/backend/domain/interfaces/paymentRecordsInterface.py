from __future__ import annotations

import uuid
from typing import Protocol

from KSysPayment.backend.domain.models.payment import Payment
from shared.backend.database.auditRecord import AuditRecord


# A create's two writes, each one statement that commits by itself.
class PaymentRecordsInterface(Protocol):
    # Payment and audit row unless (user, Idempotency-Key) exists or the account is not active; False if not written.
    async def openIfAbsent(self, payment: Payment, audit: AuditRecord) -> bool: ...

    # Attribute changes and the audit row; the audit details get the stored status and amount.
    async def updateWithAudit(
        self, id: uuid.UUID, changes: dict[str, object], audit: AuditRecord
    ) -> Payment | None: ...
