from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from KSysPayment.backend.application.auditTrail import recordAudit
from KSysPayment.backend.application.closedPaymentReport import ClosedPaymentReport
from KSysPayment.backend.application.paymentBatches import paymentBatches
from KSysPayment.backend.application.paymentPoll import pollPayment
from KSysPayment.backend.application.recheckClosedQris import RecheckClosedQris
from KSysPayment.backend.application.settleNotification import SettleNotification
from KSysPayment.backend.domain.exceptions.gatewayErrors import (
    GATEWAY_ERRORS,
    GatewayBadResponseError,
    GatewayConflictError,
    GatewayRejectedError,
)
from KSysPayment.backend.domain.interfaces.settlementRecordsInterface import SettlementRecordsInterface
from KSysPayment.backend.domain.interfaces.unitOfWorkInterface import UnitOfWorkFactory
from KSysPayment.backend.domain.models.auditLog import ActorType, AuditOutcome
from KSysPayment.backend.domain.models.payment import Payment, PaymentMethod, PaymentStatus
from KSysPayment.backend.domain.paymentGatewayInterface import PaymentGatewayInterface
from KSysPayment.backend.domain.paymentNotification import SettlementOutcome
from KSysPayment.backend.domain.paymentStateMachine import canTransition
from KSysPayment.backend.domain.qrisRecheck import firstRecheck
from KSysPayment.backend.domain.requestContext import RequestContext
from shared.backend.database.modelSupport import utcNow
from shared.backend.loggingFactory import getSystemLogger
from shared.backend.utils.uuid import generateId

logger = getSystemLogger("payment.reconcile")
# Pending payments expiring within this window (or already overdue) are polled at BRI.
POLL_HORIZON = timedelta(minutes=5)
BATCH_SIZE = 200
# BRI refused the poll or answered something unreadable: asking again will not help.
PERMANENT_ERRORS = (GatewayRejectedError, GatewayBadResponseError)
# An overdue payment whose poll keeps failing for a transient reason (BRI down, timeouts, our credentials)
# is expired anyway, and flagged, once overdue by this long; after a permanent failure at once.
UNVERIFIED_EXPIRY_GRACE = timedelta(hours=1)
# A pending payment flagged for a person (paid at BRI with the wrong amount or currency, or without one we can
# verify) is polled for this long after its expiry, then left to that person and to BRI's notification:
# polling it every pass for ever costs a BRI call and a row lock each time and changes nothing.
FLAGGED_POLL_WINDOW = timedelta(hours=24)


@dataclass
class ReconcileReport:
    polled: int = 0
    settled: int = 0
    expired: int = 0
    flagged: int = 0
    errors: int = 0
    rechecked: int = 0  # closed QRs asked about again
    late: int = 0  # closed payments BRI reported paid: rechecked QRs, and VAs whose delete BRI refused


def never() -> bool:
    return False


def mayExpireUnverified(payment: Payment, now: datetime, error: Exception) -> bool:
    # A conflict (a duplicate inquiryRequestId) passes: the next poll sends a fresh one. A reused X-EXTERNAL-ID
    # (gateway_duplicate_external_id, BRI did not process the poll) is no refusal either, so not permanent.
    permanent = isinstance(error, PERMANENT_ERRORS) and not isinstance(error, GatewayConflictError)
    grace = timedelta(0) if permanent else UNVERIFIED_EXPIRY_GRACE
    return payment.expiresAt <= now - grace


class ReconcilePayments:
    def __init__(
        self, uowFactory: UnitOfWorkFactory, settlements: SettlementRecordsInterface, gateway: PaymentGatewayInterface,
        recheckWindow: timedelta,
    ) -> None:
        self.uowFactory = uowFactory
        self.gateway = gateway
        self.recheckWindow = recheckWindow
        self.settle = SettleNotification(uowFactory, settlements)
        self.recheck = RecheckClosedQris(uowFactory, self.settle, gateway, recheckWindow)
        self.closedReport = ClosedPaymentReport(uowFactory, self.settle)

    async def execute(self, now: datetime | None = None, stopping: Callable[[], bool] = never) -> ReconcileReport:
        current = now or utcNow()
        context = RequestContext(requestId=f"reconcile-{generateId().hex}")
        report = ReconcileReport()
        deadline, flaggedSince = current + POLL_HORIZON, current - FLAGGED_POLL_WINDOW
        # Batches in (expires_at, id) order until every due payment was seen once.
        async for due in paymentBatches(
            self.uowFactory,
            lambda uow, after, size: uow.payments.listPendingBefore(deadline, flaggedSince, after, size),
            lambda payment: (payment.expiresAt, payment.id), BATCH_SIZE, stopping,
        ):
            await self.reconcileBatch(due, current, context, report, stopping)
        rechecked = await self.recheck.execute(current, context, stopping)
        report.rechecked = rechecked.rechecked
        report.late += rechecked.late
        report.errors += rechecked.errors
        if report.polled or report.rechecked:
            logger.application("payment_reconcile_pass", "Reconciliation pass done", request_id=context.requestId,
                               polled=report.polled, settled=report.settled, expired=report.expired,
                               flagged=report.flagged, rechecked=report.rechecked, late=report.late,
                               errors=report.errors)
        return report

    async def reconcileBatch(self, due: list[Payment], now: datetime, context: RequestContext,
                             report: ReconcileReport, stopping: Callable[[], bool]) -> None:
        for payment in due:
            if stopping():
                return
            # Per-payment work logs and continues: one bad payment never stops the pass.
            try:
                await self.reconcileOne(payment, now, context, report)
            except Exception as error:
                report.errors += 1
                logger.error("payment_reconcile_failed", "Reconciling a payment failed", error,
                             payment_id=str(payment.id), request_id=context.requestId)

    async def reconcileOne(self, payment: Payment, now: datetime, context: RequestContext,
                           report: ReconcileReport) -> None:
        report.polled += 1
        try:
            result = await pollPayment(self.gateway, payment)
        except GATEWAY_ERRORS as error:
            # A flagged pending payment (BRI reported it paid, with another amount, without an amount or with
            # another reference) waits for a person: BRI failing to answer never expires it.
            if payment.flaggedReason is not None or not mayExpireUnverified(payment, now, error):
                raise
            report.errors += 1
            await self.close(payment, context, report, f"unverified_expiry: BRI status poll failed ({error.code})")
            return
        if result.unverified:
            # Paid at BRI: never expired. Left pending for the notification, flagged for an admin once overdue.
            if payment.expiresAt <= now and await self.flag(payment, str(result.reason), context):
                report.flagged += 1
            return
        if result.notification is not None:
            # Paid at BRI: settled, or (amount or currency wrong) flagged by the settlement; never expired.
            settled = await self.settle.execute(result.notification, context)
            report.settled += settled.outcome == SettlementOutcome.SETTLED
            return
        if payment.expiresAt <= now:
            await self.close(payment, context, report)

    async def close(self, payment: Payment, context: RequestContext, report: ReconcileReport,
                    flagReason: str | None = None) -> None:
        if await self.expire(payment, context, flagReason):
            report.expired += 1
            report.flagged += flagReason is not None
            report.late += await self.deleteQuietly(payment, context)

    async def expire(self, payment: Payment, context: RequestContext, flagReason: str | None) -> bool:
        async with self.uowFactory() as uow:
            locked = await uow.payments.getById(payment.id, forUpdate=True)
            if locked is None or not canTransition(locked.status, PaymentStatus.EXPIRED):
                return False
            if locked.flaggedReason != payment.flaggedReason:
                # Flagged since it was polled (BRI reported it meanwhile, e.g. paid with another amount): the poll's
                # answer is out of date, the next pass decides. Never expired unverified: left for a person, as above.
                return False
            now = utcNow()
            locked.status = PaymentStatus.EXPIRED.value
            locked.updatedAt = now
            locked.recheckAt = firstRecheck(locked, now, self.recheckWindow)
            await recordAudit(uow.audit, "payment.expired", locked, context, actorType=ActorType.SYSTEM)
            if flagReason is not None:
                # Expired without BRI's word that it is unpaid: an admin checks it at BRI.
                locked.flag(flagReason, now)
                await recordAudit(uow.audit, "payment.flagged", locked, context, actorType=ActorType.SYSTEM,
                                  outcome=AuditOutcome.FAILURE, details={"reason": flagReason})
            await uow.commit()
        if flagReason is not None:
            logger.warning("payment_expired_unverified", "Expired a payment BRI could not be asked about",
                           payment_id=str(payment.id), request_id=context.requestId, reason=flagReason)
        return True

    async def flag(self, payment: Payment, reason: str, context: RequestContext) -> bool:
        async with self.uowFactory() as uow:
            locked = await uow.payments.getById(payment.id, forUpdate=True)
            if locked is None or locked.status != PaymentStatus.PENDING.value or locked.flaggedFor(reason):
                return False
            locked.flag(reason, utcNow())
            await recordAudit(uow.audit, "payment.flagged", locked, context, actorType=ActorType.SYSTEM,
                              outcome=AuditOutcome.FAILURE, details={"reason": reason})
            await uow.commit()
        return True

    # True when BRI refused the delete because the VA was paid, and that payment got recorded late or flagged.
    async def deleteQuietly(self, payment: Payment, context: RequestContext) -> bool:
        if payment.method != PaymentMethod.BRIVA.value or not payment.customerNo:
            return False
        try:
            try:
                await self.gateway.deleteVirtualAccount(customerNo=payment.customerNo,
                                                        trxId=payment.partnerReferenceNo)
            except GatewayConflictError:
                # BRI refuses to delete a paid VA (paid since the poll, BRI's clock behind ours): recorded late or
                # flagged for an admin (also when BRI cannot be asked), so the money is on record even when BRI's
                # notification is lost; a refusal BRI then calls unpaid is flagged va_delete_refused.
                return await self.closedReport.recordRefusedDelete(payment, pollPayment(self.gateway, payment),
                                                                   context)
        except Exception as error:
            logger.warning("payment_va_delete_failed", "Could not delete an expired VA at BRI",
                           payment_id=str(payment.id), error_type=type(error).__name__)
        return False
