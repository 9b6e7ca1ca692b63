from __future__ import annotations

from dataclasses import dataclass, replace

from KSysPayment.backend.domain.exceptions.gatewayErrors import GatewayNotFoundError
from KSysPayment.backend.domain.gatewayTypes import GatewayPaymentState
from KSysPayment.backend.domain.models.payment import Payment, PaymentMethod
from KSysPayment.backend.domain.paymentGatewayInterface import PaymentGatewayInterface
from KSysPayment.backend.domain.paymentNotification import (
    NotificationKind,
    PaymentNotification,
    qrisDedupeKey,
    vaDedupeKey,
)
from shared.backend.utils.uuid import generateId


@dataclass(frozen=True, slots=True)
class PollResult:
    paid: bool
    # The report to settle; None when unpaid, or paid without an amount or a payment request id (then
    # nothing is settled or recorded from the answer, and reason says what was missing).
    notification: PaymentNotification | None = None
    reason: str | None = None

    @property
    def unverified(self) -> bool:
        return self.paid and self.notification is None


UNPAID = PollResult(paid=False)


def unverified(what: str) -> PollResult:
    return PollResult(paid=True, reason=f"paid_unverified: BRI reports paid without {what}")


# Asks BRI whether the payment was paid (VA transfer-va/status, QRIS query). An unknown VA or QR is unpaid;
# every other gateway error is raised to the caller.
async def pollPayment(gateway: PaymentGatewayInterface, payment: Payment) -> PollResult:
    try:
        if payment.method == PaymentMethod.BRIVA.value and payment.customerNo and payment.virtualAccountNo:
            return await pollVirtualAccount(gateway, payment.customerNo, payment.virtualAccountNo)
        if payment.method == PaymentMethod.QRIS.value and payment.briReferenceNo:
            return await pollQris(gateway, payment, payment.briReferenceNo)
    except GatewayNotFoundError:
        return UNPAID
    return UNPAID


async def pollVirtualAccount(gateway: PaymentGatewayInterface, customerNo: str, virtualAccountNo: str) -> PollResult:
    status = await gateway.virtualAccountStatus(customerNo=customerNo, inquiryRequestId=generateId().hex)
    if status.state != GatewayPaymentState.PAID:
        return UNPAID
    if status.paidAmount is None:
        return unverified("an amount")
    if not status.paymentRequestId:
        # The dedupe key must be the one BRI's notification carries; a made-up one would count twice.
        return unverified("a paymentRequestId")
    return PollResult(True, PaymentNotification(
        kind=NotificationKind.VA_POLL, dedupeKey=vaDedupeKey(status.paymentRequestId, virtualAccountNo),
        amount=status.paidAmount, currency=status.currency, paid=True, virtualAccountNo=virtualAccountNo,
        raw={"paymentRequestId": status.paymentRequestId, "paidAmount": status.paidAmount,
             "currency": status.currency, "statusCode": status.statusCode},
    ))


async def pollQris(gateway: PaymentGatewayInterface, payment: Payment, referenceNo: str) -> PollResult:
    qris = await gateway.queryQris(referenceNo=referenceNo)
    if qris.state != GatewayPaymentState.PAID:
        return UNPAID
    if qris.amount is None:
        return unverified("an amount")
    return PollResult(True, PaymentNotification(
        kind=NotificationKind.QRIS_POLL, dedupeKey=qrisDedupeKey(qris.referenceNo), amount=qris.amount,
        currency=qris.currency, paid=True, partnerReferenceNo=payment.partnerReferenceNo,
        briReferenceNo=qris.referenceNo,
        raw={"referenceNo": qris.referenceNo, "amount": qris.amount, "currency": qris.currency,
             "statusCode": qris.statusCode},
    ))


# The RSA form of a QRIS notification signs no body bytes: a paid report verified only that way is settled
# with the amount, currency and partner reference of BRI's own query, or not at all (None). Without a partner
# reference in the query the payment is found by BRI's reference, never by the unsigned body's.
async def confirmQrisReport(gateway: PaymentGatewayInterface,
                            notification: PaymentNotification) -> PaymentNotification | None:
    try:
        qris = await gateway.queryQris(referenceNo=str(notification.briReferenceNo))
    except GatewayNotFoundError:
        return None
    if qris.state != GatewayPaymentState.PAID or qris.amount is None:
        return None
    # The stored event keeps what BRI's query said; the unsigned report only under a name that says so.
    raw = {"confirmedBy": "qr-mpm-query", "referenceNo": qris.referenceNo, "amount": qris.amount,
           "currency": qris.currency, "statusCode": qris.statusCode, "unsignedReport": notification.raw}
    return replace(notification, amount=qris.amount, currency=qris.currency,
                   partnerReferenceNo=qris.partnerReferenceNo, raw=raw)
