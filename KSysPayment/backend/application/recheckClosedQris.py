from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from KSysPayment.backend.application.auditTrail import recordAudit
from KSysPayment.backend.application.closedPaymentReport import unverifiedLateReason
from KSysPayment.backend.application.paymentBatches import paymentBatches
from KSysPayment.backend.application.paymentPoll import pollPayment
from KSysPayment.backend.application.settleNotification import SettleNotification
from KSysPayment.backend.domain.exceptions.gatewayErrors import GATEWAY_ERRORS
from KSysPayment.backend.domain.interfaces.unitOfWorkInterface import UnitOfWorkFactory
from KSysPayment.backend.domain.models.auditLog import ActorType, AuditOutcome
from KSysPayment.backend.domain.models.payment import Payment
from KSysPayment.backend.domain.paymentGatewayInterface import PaymentGatewayInterface
from KSysPayment.backend.domain.paymentNotification import SettlementOutcome
from KSysPayment.backend.domain.qrisRecheck import nextRecheck
from KSysPayment.backend.domain.requestContext import RequestContext
from shared.backend.database.modelSupport import utcNow
from shared.backend.loggingFactory import getSystemLogger

logger = getSystemLogger("payment.reconcile")
BATCH_SIZE = 200


@dataclass
class RecheckReport:
    rechecked: int = 0
    late: int = 0
    errors: int = 0


# Cancelled and expired QRs whose recheck is due are asked about at BRI. Paid: settled as a late payment (flagged
# for an admin to refund) and no longer asked about; unpaid or BRI unreachable: asked again later.
class RecheckClosedQris:
    def __init__(self, uowFactory: UnitOfWorkFactory, settle: SettleNotification, gateway: PaymentGatewayInterface,
                 window: timedelta) -> None:
        self.uowFactory = uowFactory
        self.settle = settle
        self.gateway = gateway
        self.window = window

    async def execute(self, now: datetime, context: RequestContext, stopping: Callable[[], bool]) -> RecheckReport:
        report = RecheckReport()
        async for due in paymentBatches(
            self.uowFactory, lambda uow, after, size: uow.payments.listRecheckDue(now, after, size),
            lambda payment: (payment.recheckAt or now, payment.id), BATCH_SIZE, stopping,
        ):
            for payment in due:
                if stopping():
                    return report
                try:
                    await self.recheckOne(payment, now, context, report)
                except Exception as error:
                    report.errors += 1
                    logger.error("payment_recheck_failed", "Asking BRI about a closed QR failed", error,
                                 payment_id=str(payment.id), request_id=context.requestId)
                    await self.moveOn(payment, now, context, type(error).__name__)
        return report

    async def recheckOne(self, payment: Payment, now: datetime, context: RequestContext,
                         report: RecheckReport) -> None:
        report.rechecked += 1
        try:
            result = await pollPayment(self.gateway, payment)
        except GATEWAY_ERRORS as error:
            report.errors += 1
            logger.warning("payment_recheck_unavailable", "BRI could not be asked about a closed QR",
                           payment_id=str(payment.id), request_id=context.requestId, code=error.code)
            later = nextRecheck(payment, now, self.window)
            # The last ask failed: an admin checks the payment at BRI instead.
            reason = None if later is not None else f"late_check_unverified: BRI could not be asked ({error.code})"
            await self.update(payment.id, later, context, reason)
            return
        if result.notification is not None:
            settled = await self.settle.execute(result.notification, context)
            report.late += settled.outcome == SettlementOutcome.LATE
            await self.update(payment.id, None, context)
        elif result.unverified:
            await self.update(payment.id, None, context, unverifiedLateReason(payment.status, str(result.reason)))
        else:
            await self.update(payment.id, nextRecheck(payment, now, self.window), context)

    # After an unexpected failure the schedule still applies: the payment is not asked about on every pass, and
    # a failed last ask is flagged.
    async def moveOn(self, payment: Payment, now: datetime, context: RequestContext, failure: str) -> None:
        later = nextRecheck(payment, now, self.window)
        reason = None if later is not None else f"late_check_unverified: the recheck failed ({failure})"
        try:
            await self.update(payment.id, later, context, reason)
        except Exception as error:
            logger.error("payment_recheck_reschedule_failed", "Could not reschedule a closed QR's recheck", error,
                         payment_id=str(payment.id), request_id=context.requestId)

    # Sets the next recheck (None: stop), and flags the payment for an admin when given a reason.
    async def update(self, paymentId: uuid.UUID, recheckAt: datetime | None, context: RequestContext,
                     flagReason: str | None = None) -> None:
        async with self.uowFactory() as uow:
            locked = await uow.payments.getById(paymentId, forUpdate=True)
            if locked is None or locked.recheckAt is None:
                return  # BRI's notification settled it meanwhile
            locked.recheckAt = recheckAt
            if flagReason is not None and not locked.flaggedFor(flagReason):
                locked.flag(flagReason, utcNow())
                await recordAudit(uow.audit, "payment.flagged", locked, context, actorType=ActorType.SYSTEM,
                                  outcome=AuditOutcome.FAILURE, details={"reason": flagReason})
            await uow.commit()
