from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from KSysPayment.backend.application.auditTrail import auditPayment
from KSysPayment.backend.application.settleNotification import SettleNotification
from KSysPayment.backend.domain.exceptions.gatewayErrors import GatewayNotFoundError
from KSysPayment.backend.domain.gatewayTypes import GatewayPaymentState
from KSysPayment.backend.domain.interfaces.settlementRecordsInterface import SettlementRecordsInterface
from KSysPayment.backend.domain.interfaces.unitOfWorkInterface import UnitOfWorkFactory
from KSysPayment.backend.domain.models.auditLog import ActorType
from KSysPayment.backend.domain.models.payment import Payment, PaymentMethod, PaymentStatus
from KSysPayment.backend.domain.paymentGatewayInterface import PaymentGatewayInterface
from KSysPayment.backend.domain.paymentNotification import (
    NotificationKind,
    PaymentNotification,
    SettlementOutcome,
    qrisDedupeKey,
    vaDedupeKey,
)
from KSysPayment.backend.domain.paymentStateMachine import canTransition
from KSysPayment.backend.domain.requestContext import RequestContext
from shared.backend.database.modelSupport import utcNow
from shared.backend.loggingFactory import getSystemLogger
from shared.backend.utils.uuid import generateId

logger = getSystemLogger("payment.reconcile")
# Pending payments expiring within this window (or already overdue) are polled at BRI.
POLL_HORIZON = timedelta(minutes=5)
BATCH_SIZE = 200


@dataclass
class ReconcileReport:
    polled: int = 0
    settled: int = 0
    expired: int = 0
    errors: int = 0


def never() -> bool:
    return False


class ReconcilePayments:
    def __init__(
        self, uowFactory: UnitOfWorkFactory, settlements: SettlementRecordsInterface, gateway: PaymentGatewayInterface,
    ) -> None:
        self.uowFactory = uowFactory
        self.gateway = gateway
        self.settle = SettleNotification(uowFactory, settlements)

    async def execute(self, now: datetime | None = None, stopping: Callable[[], bool] = never) -> ReconcileReport:
        current = now or utcNow()
        context = RequestContext(requestId=f"reconcile-{generateId().hex}")
        async with self.uowFactory() as uow:
            due = await uow.payments.listPendingBefore(current + POLL_HORIZON, BATCH_SIZE)
        report = ReconcileReport()
        for payment in due:
            if stopping():
                break
            # Per-payment work logs and continues: one bad payment never stops the pass.
            try:
                await self.reconcileOne(payment, current, context, report)
            except Exception as error:
                report.errors += 1
                logger.error("payment_reconcile_failed", "Reconciling a payment failed", error,
                             payment_id=str(payment.id), request_id=context.requestId)
        if due:
            logger.application("payment_reconcile_pass", "Reconciliation pass done", request_id=context.requestId,
                               polled=report.polled, settled=report.settled, expired=report.expired,
                               errors=report.errors)
        return report

    async def reconcileOne(self, payment: Payment, now: datetime, context: RequestContext,
                           report: ReconcileReport) -> None:
        report.polled += 1
        notification = await self.poll(payment)
        if notification is not None:
            result = await self.settle.execute(notification, context)
            if result.outcome == SettlementOutcome.SETTLED:
                report.settled += 1
                return
        if payment.expiresAt <= now and await self.expire(payment, context):
            report.expired += 1
            await self.deleteQuietly(payment)

    async def poll(self, payment: Payment) -> PaymentNotification | None:
        try:
            if payment.method == PaymentMethod.BRIVA.value and payment.customerNo and payment.virtualAccountNo:
                status = await self.gateway.virtualAccountStatus(customerNo=payment.customerNo,
                                                                 inquiryRequestId=generateId().hex)
                if status.state != GatewayPaymentState.PAID:
                    return None
                requestId = status.paymentRequestId or f"poll-{payment.id.hex}"
                return PaymentNotification(
                    kind=NotificationKind.VA_POLL, dedupeKey=vaDedupeKey(requestId, payment.virtualAccountNo),
                    amount=status.paidAmount, paid=True, virtualAccountNo=payment.virtualAccountNo,
                    raw={"paymentRequestId": requestId, "paidAmount": status.paidAmount,
                         "statusCode": status.statusCode},
                )
            if payment.method == PaymentMethod.QRIS.value and payment.briReferenceNo:
                qris = await self.gateway.queryQris(referenceNo=payment.briReferenceNo)
                if qris.state != GatewayPaymentState.PAID:
                    return None
                return PaymentNotification(
                    kind=NotificationKind.QRIS_POLL, dedupeKey=qrisDedupeKey(qris.referenceNo), amount=qris.amount,
                    paid=True, partnerReferenceNo=payment.partnerReferenceNo, briReferenceNo=qris.referenceNo,
                    raw={"referenceNo": qris.referenceNo, "amount": qris.amount, "statusCode": qris.statusCode},
                )
        except GatewayNotFoundError:
            return None
        return None

    async def expire(self, payment: Payment, context: RequestContext) -> bool:
        async with self.uowFactory() as uow:
            locked = await uow.payments.getById(payment.id, forUpdate=True)
            if locked is None or not canTransition(locked.status, PaymentStatus.EXPIRED):
                return False
            locked.status = PaymentStatus.EXPIRED.value
            locked.updatedAt = utcNow()
            await uow.audit.add(auditPayment("payment.expired", locked, context, actorType=ActorType.SYSTEM))
            await uow.commit()
        return True

    async def deleteQuietly(self, payment: Payment) -> None:
        if payment.method != PaymentMethod.BRIVA.value or not payment.customerNo:
            return
        try:
            await self.gateway.deleteVirtualAccount(customerNo=payment.customerNo, trxId=payment.partnerReferenceNo)
        except Exception as error:
            logger.warning("payment_va_delete_failed", "Could not delete an expired VA at BRI",
                           payment_id=str(payment.id), error_type=type(error).__name__)
