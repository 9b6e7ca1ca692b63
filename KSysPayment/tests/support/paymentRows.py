from __future__ import annotations

from datetime import timedelta

from KSysPayment.backend.application.auditTrail import auditEntry
from KSysPayment.backend.domain.models.payment import Payment
from KSysPayment.backend.domain.requestContext import RequestContext
from KSysPayment.backend.infrastructure.database.paymentRecords import PaymentRecords
from KSysPayment.tests.support.paymentStack import Payer
from shared.backend.database.engine import Database
from shared.backend.database.modelSupport import utcNow
from shared.backend.utils.uuid import generateId

CONTEXT = RequestContext(requestId="statements-0001", ip="127.0.0.1")


# A pending BRIVA payment of 15,000 rupiah written straight through PaymentRecords (no BRI call).
def newPayment(payer: Payer, key: str, virtualAccountNo: str | None = None) -> Payment:
    paymentId, now = generateId(), utcNow()
    return Payment(id=paymentId, userId=payer.id, amount=15000, method="briva", status="pending",
                   description="statements", idempotencyKey=key, requestHash="h" * 64,
                   partnerReferenceNo=paymentId.hex, virtualAccountNo=virtualAccountNo, createdAt=now, updatedAt=now,
                   expiresAt=now + timedelta(minutes=30))


async def openPayment(database: Database, payment: Payment) -> bool:
    entry = auditEntry("payment.created", payment, CONTEXT)
    return await PaymentRecords(database.driverPool).openIfAbsent(payment, entry)
