from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Protocol

from KSysPayment.backend.domain.models.paymentEvent import PaymentEvent
from shared.backend.database.auditRecord import AuditRecord


class SettlementLookup(StrEnum):
    VIRTUAL_ACCOUNT = "virtual_account"
    PARTNER_REFERENCE = "partner_reference"


class SettlementRecordsInterface(Protocol):
    # One statement: the payment found by lookup/key, locked, if still pending with this method, amount and a
    # matching (or no) BRI reference, becomes paid with the event row and the audit row (its target id filled
    # in). Returns the payment id; None when anything differs or the event's dedupe key exists (nothing written).
    async def settleIfPending(
        self, lookup: SettlementLookup, key: str, method: str, amount: int, briReferenceNo: str | None,
        event: PaymentEvent, audit: AuditRecord,
    ) -> uuid.UUID | None: ...
