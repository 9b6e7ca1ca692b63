from __future__ import annotations

import uuid
from dataclasses import dataclass, replace

from KSysPayment.backend.application.auditTrail import auditRow, logAudit, recordAudit
from KSysPayment.backend.domain.interfaces.settlementRecordsInterface import (
    SettlementLookup,
    SettlementRecordsInterface,
)
from KSysPayment.backend.domain.interfaces.unitOfWorkInterface import UnitOfWorkFactory, UnitOfWorkInterface
from KSysPayment.backend.domain.models.auditLog import ActorType, AuditOutcome
from KSysPayment.backend.domain.models.payment import Payment, PaymentMethod, PaymentStatus
from KSysPayment.backend.domain.models.paymentEvent import PaymentEvent
from KSysPayment.backend.domain.paymentNotification import NotificationKind, PaymentNotification, SettlementOutcome
from KSysPayment.backend.domain.paymentStateMachine import canTransition
from KSysPayment.backend.domain.requestContext import RequestContext
from shared.backend.database.modelSupport import utcNow
from shared.backend.loggingFactory import getSystemLogger

logger = getSystemLogger("payment.settlement")
VA_KINDS = (NotificationKind.VA_NOTIFY, NotificationKind.VA_POLL)
FLAGGED = (SettlementOutcome.AMOUNT_MISMATCH, SettlementOutcome.REFERENCE_MISMATCH, SettlementOutcome.LATE,
           SettlementOutcome.ALREADY_PAID)
# Outcomes recorded under the report's own dedupe key: a repeat of them is a duplicate. The others (unknown payment,
# not paid) get the outcome appended, so they never block a later report of the payment. A reference mismatch gets
# the outcome and the payment found appended: the report's key may be another payment's (BRI's reference of QR B with
# the partner reference of A), whose true report must still settle it; a repeat for the same payment is a duplicate.
BLOCKING = (SettlementOutcome.SETTLED, SettlementOutcome.AMOUNT_MISMATCH, SettlementOutcome.LATE,
            SettlementOutcome.ALREADY_PAID)
CURRENCY = "IDR"


@dataclass(frozen=True, slots=True)
class SettlementResult:
    outcome: SettlementOutcome
    paymentId: uuid.UUID | None
    status: str | None


def expectedMethod(notification: PaymentNotification) -> str:
    return PaymentMethod.BRIVA.value if notification.kind in VA_KINDS else PaymentMethod.QRIS.value


# Where the one-statement settlement finds the payment: the VA number, or the QRIS partner reference (a
# QRIS report with only BRI's reference goes to the locked transaction).
def lookupOf(notification: PaymentNotification) -> tuple[SettlementLookup, str] | None:
    if notification.kind in VA_KINDS:
        account = notification.virtualAccountNo
        return (SettlementLookup.VIRTUAL_ACCOUNT, account) if account else None
    if notification.partnerReferenceNo:
        return SettlementLookup.PARTNER_REFERENCE, notification.partnerReferenceNo
    return None


def settlementDetails(notification: PaymentNotification, outcome: SettlementOutcome) -> dict[str, object]:
    return {"kind": notification.kind.value, "outcome": outcome.value, "reportedAmount": notification.amount,
            "reportedCurrency": notification.currency}


def inRupiah(notification: PaymentNotification) -> bool:
    return notification.currency in (None, CURRENCY)


def eventKey(notification: PaymentNotification, outcome: SettlementOutcome, paymentId: uuid.UUID | None) -> str:
    if outcome in BLOCKING:
        return notification.dedupeKey
    if outcome == SettlementOutcome.REFERENCE_MISMATCH:
        return f"{notification.dedupeKey}:{outcome.value}:{paymentId}"
    return f"{notification.dedupeKey}:{outcome.value}"


def judge(payment: Payment, notification: PaymentNotification) -> tuple[SettlementOutcome, str | None]:
    # Returns the outcome and, for anything an admin must look at, the flag reason.
    if payment.method != expectedMethod(notification) or (
        notification.briReferenceNo and payment.briReferenceNo
        and notification.briReferenceNo != payment.briReferenceNo
    ):
        return SettlementOutcome.REFERENCE_MISMATCH, f"reference_mismatch: {notification.kind.value} does not match"
    if not notification.paid:
        return SettlementOutcome.NOT_PAID, None
    if notification.amount != payment.amount or not inRupiah(notification):
        return SettlementOutcome.AMOUNT_MISMATCH, (
            f"amount_mismatch: expected {payment.amount} {CURRENCY}, BRI reported {notification.amount} "
            f"{notification.currency or CURRENCY}")
    if payment.status == PaymentStatus.PAID.value:
        return SettlementOutcome.ALREADY_PAID, "already_paid: a second payment was reported"
    if not canTransition(payment.status, PaymentStatus.PAID):
        return SettlementOutcome.LATE, f"late_payment: paid while {payment.status}"
    return SettlementOutcome.SETTLED, None


# Exactly-once: the payment row is locked, then the event with its unique dedupe key is inserted in
# the same transaction (or statement) as the state change; a repeat inserts nothing and changes nothing.
# A paid report for a pending payment, the usual case, is first tried as one statement (records); when
# that writes nothing, the locked transaction decides.
class SettleNotification:
    def __init__(self, uowFactory: UnitOfWorkFactory, records: SettlementRecordsInterface) -> None:
        self.uowFactory = uowFactory
        self.records = records

    async def execute(self, notification: PaymentNotification, context: RequestContext) -> SettlementResult:
        settled = await self.settleAtOnce(notification, context)
        if settled is not None:
            return SettlementResult(SettlementOutcome.SETTLED, settled, PaymentStatus.PAID.value)
        async with self.uowFactory() as uow:
            payment = await self.findLocked(uow, notification)
            if payment is None:
                outcome, reason = SettlementOutcome.UNKNOWN_PAYMENT, None
            else:
                outcome, reason = judge(payment, notification)
            paymentId = payment.id if payment else None
            event = PaymentEvent(
                paymentId=paymentId, kind=notification.kind.value, dedupeKey=eventKey(notification, outcome, paymentId),
                raw=notification.raw, signatureValid=True, outcome=outcome.value,
            )
            if not await uow.events.addIfNew(event):
                await uow.rollback()
                logger.application("payment_notification_duplicate", "Duplicate BRI report ignored",
                                   payment_id=str(payment.id) if payment else None, request_id=context.requestId,
                                   kind=notification.kind.value)
                if payment is None:
                    return SettlementResult(SettlementOutcome.UNKNOWN_PAYMENT, None, None)
                return SettlementResult(SettlementOutcome.DUPLICATE, payment.id, payment.status)
            if payment is not None:
                await self.apply(uow, payment, outcome, reason, notification, context)
            await uow.commit()
        if payment is None:
            logger.security("payment_notification_unknown", "BRI reported a payment we do not know",
                            request_id=context.requestId, kind=notification.kind.value)
        return SettlementResult(outcome, payment.id if payment else None, payment.status if payment else None)

    async def settleAtOnce(self, notification: PaymentNotification, context: RequestContext) -> uuid.UUID | None:
        found = lookupOf(notification)
        if found is None or not notification.paid or notification.amount is None or not inRupiah(notification):
            return None
        lookup, key = found
        details: dict[str, object] = {"status": PaymentStatus.PAID.value, "amount": notification.amount,
                                      **settlementDetails(notification, SettlementOutcome.SETTLED)}
        entry = auditRow("payment.paid", None, context, details=details)
        event = PaymentEvent(kind=notification.kind.value, dedupeKey=notification.dedupeKey, raw=notification.raw,
                             signatureValid=True, outcome=SettlementOutcome.SETTLED.value)
        paymentId = await self.records.settleIfPending(lookup, key, expectedMethod(notification), notification.amount,
                                                       notification.briReferenceNo or None, event, entry)
        if paymentId is not None:
            logAudit(replace(entry, targetId=str(paymentId)))
        return paymentId

    async def findLocked(self, uow: UnitOfWorkInterface, notification: PaymentNotification) -> Payment | None:
        if notification.kind in VA_KINDS:
            if not notification.virtualAccountNo:
                return None
            return await uow.payments.findByVirtualAccountNo(notification.virtualAccountNo, forUpdate=True)
        if notification.partnerReferenceNo:
            found = await uow.payments.findByPartnerReferenceNo(notification.partnerReferenceNo, forUpdate=True)
            if found is not None:
                return found
        if notification.briReferenceNo:
            return await uow.payments.findByBriReferenceNo(notification.briReferenceNo, forUpdate=True)
        return None

    async def apply(self, uow: UnitOfWorkInterface, payment: Payment, outcome: SettlementOutcome,
                    reason: str | None, notification: PaymentNotification, context: RequestContext) -> None:
        now = utcNow()
        details = settlementDetails(notification, outcome)
        if outcome == SettlementOutcome.SETTLED:
            payment.status = PaymentStatus.PAID.value
            payment.paidAt = now
            payment.updatedAt = now
            await recordAudit(uow.audit, "payment.paid", payment, context, actorType=ActorType.SYSTEM,
                              details=details)
        elif outcome in FLAGGED and reason is not None:
            payment.flag(reason, now)
            if outcome == SettlementOutcome.LATE:
                payment.recheckAt = None  # BRI's answer is in: a closed QR is no longer asked about
            await recordAudit(uow.audit, "payment.flagged", payment, context, actorType=ActorType.SYSTEM,
                              outcome=AuditOutcome.FAILURE, details={**details, "reason": reason})
