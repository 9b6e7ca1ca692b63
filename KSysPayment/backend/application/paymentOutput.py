from __future__ import annotations

import uuid
from datetime import datetime

from KSysPayment.backend.application.dtoBase import OutputModel
from KSysPayment.backend.domain.models.payment import Payment, PaymentStatus
from shared.backend.config.settings import PaymentSettings


class PaymentOutput(OutputModel):
    id: uuid.UUID
    amount: int
    currency: str
    method: str
    status: str
    description: str | None
    # Digits only (BRI pads the BRIVA prefix with spaces; customers type the digits).
    virtualAccountNo: str | None
    qrContent: str | None
    expiresAt: datetime
    createdAt: datetime
    paidAt: datetime | None
    failureReason: str | None

    @classmethod
    def fromPayment(cls, payment: Payment) -> PaymentOutput:
        return cls(
            id=payment.id, amount=payment.amount, currency=payment.currency, method=payment.method,
            status=payment.status, description=payment.description,
            # A failed create's VA may exist at BRI for a while: its number is never shown.
            virtualAccountNo=(payment.virtualAccountNo.replace(" ", "")
                              if payment.virtualAccountNo and payment.status != PaymentStatus.FAILED.value else None),
            # A QR stays payable at BRI after a cancel or expiry: it is shown only while the payment is pending.
            qrContent=payment.qrContent if payment.status == PaymentStatus.PENDING.value else None,
            expiresAt=payment.expiresAt, createdAt=payment.createdAt,
            paidAt=payment.paidAt, failureReason=payment.failureReason,
        )


class PaymentPageOutput(OutputModel):
    items: list[PaymentOutput]
    nextCursor: str | None


class CreatedPayment(OutputModel):
    payment: PaymentOutput
    created: bool


class PaymentLimitsOutput(OutputModel):
    minAmount: int
    maxAmount: int
    currency: str

    @classmethod
    def fromSettings(cls, settings: PaymentSettings) -> PaymentLimitsOutput:
        # IDR is the only currency the payments table accepts (its CHECK constraint).
        return cls(minAmount=settings.minAmount, maxAmount=settings.maxAmount, currency="IDR")
