from __future__ import annotations

import uuid
from datetime import datetime

from KSysAdmin.backend.application.dtoBase import OutputModel


class PaymentOutput(OutputModel):
    id: uuid.UUID
    userId: uuid.UUID
    amount: int
    currency: str
    method: str
    status: str
    description: str | None
    virtualAccountNo: str | None
    customerNo: str | None
    qrContent: str | None
    partnerReferenceNo: str
    briReferenceNo: str | None
    expiresAt: datetime
    paidAt: datetime | None
    failureReason: str | None
    flaggedReason: str | None
    flagResolvedAt: datetime | None
    flagResolvedBy: uuid.UUID | None
    flagResolution: str | None
    createdAt: datetime
    updatedAt: datetime


class PaymentPageOutput(OutputModel):
    items: list[PaymentOutput]
    nextCursor: str | None


class PaymentEventOutput(OutputModel):
    id: uuid.UUID
    kind: str
    dedupeKey: str
    signatureValid: bool
    outcome: str
    raw: dict[str, object]
    receivedAt: datetime


class PaymentDetailOutput(PaymentOutput):
    events: list[PaymentEventOutput]
