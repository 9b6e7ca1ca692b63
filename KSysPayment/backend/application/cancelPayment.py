from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from KSysPayment.backend.application.auditTrail import recordAudit
from KSysPayment.backend.application.briDeadline import BRI_DEADLINE_SECONDS, beforeDeadline
from KSysPayment.backend.application.closedPaymentReport import ClosedPaymentReport
from KSysPayment.backend.application.ownedPayment import requireOwnedPayment
from KSysPayment.backend.application.paymentOutput import PaymentOutput
from KSysPayment.backend.application.paymentPoll import pollPayment
from KSysPayment.backend.application.settleNotification import SettleNotification
from KSysPayment.backend.domain.exceptions.gatewayErrors import (
    GatewayConflictError,
    GatewayNotFoundError,
)
from KSysPayment.backend.domain.exceptions.paymentErrors import PaymentNotFoundError, PaymentPaidAtGatewayError
from KSysPayment.backend.domain.interfaces.settlementRecordsInterface import SettlementRecordsInterface
from KSysPayment.backend.domain.interfaces.unitOfWorkInterface import UnitOfWorkFactory, UnitOfWorkInterface
from KSysPayment.backend.domain.models.payment import Payment, PaymentMethod, PaymentStatus
from KSysPayment.backend.domain.paymentGatewayInterface import PaymentGatewayInterface
from KSysPayment.backend.domain.paymentStateMachine import requireTransition
from KSysPayment.backend.domain.qrisRecheck import firstRecheck
from KSysPayment.backend.domain.requestContext import RequestContext
from shared.backend.database.modelSupport import utcNow
from shared.backend.loggingFactory import getSystemLogger

logger = getSystemLogger("payment.cancel")


class CancelPayment:
    def __init__(
        self, uowFactory: UnitOfWorkFactory, settlements: SettlementRecordsInterface, gateway: PaymentGatewayInterface,
        recheckWindow: timedelta, briDeadlineSeconds: float = BRI_DEADLINE_SECONDS,
    ) -> None:
        self.uowFactory = uowFactory
        self.gateway = gateway
        self.recheckWindow = recheckWindow
        self.briDeadlineSeconds = briDeadlineSeconds
        self.settle = SettleNotification(uowFactory, settlements)
        self.closedReport = ClosedPaymentReport(uowFactory, self.settle)

    async def execute(self, userId: uuid.UUID, paymentId: uuid.UUID, context: RequestContext) -> PaymentOutput:
        async with self.uowFactory() as uow:
            payment = await requireOwnedPayment(uow, userId, paymentId, context, "cancel")
            requireTransition(payment.status, PaymentStatus.CANCELLED)
        deadline = asyncio.get_running_loop().time() + self.briDeadlineSeconds
        # BRI is asked first (no transaction open): a payment it already took money for is settled, not
        # cancelled. A gateway error leaves the payment as it is and reaches the client (502/503/504).
        await self.requireUnpaidAtBri(payment, context, deadline)
        vaUnknown = False
        if payment.method == PaymentMethod.BRIVA.value and payment.customerNo:
            vaUnknown = not await self.deleteVirtualAccount(payment, context, deadline)
        # A payment notified meanwhile wins the row lock below and the cancel answers invalid_payment_state.
        async with self.uowFactory() as uow:
            locked = await self.requireOwned(uow, userId, paymentId, forUpdate=True)
            requireTransition(locked.status, PaymentStatus.CANCELLED)
            if locked.flaggedReason != payment.flaggedReason:
                # Flagged since the poll (BRI reported it paid, e.g. with another amount): answered as if the
                # poll had seen it; the payment stays pending for an admin.
                raise PaymentPaidAtGatewayError(details=[{"paymentId": str(locked.id), "status": locked.status,
                                                          "flaggedReason": locked.flaggedReason}])
            now = utcNow()
            locked.status = PaymentStatus.CANCELLED.value
            locked.updatedAt = now
            # Nothing withdraws a QR at BRI: reconciliation asks about it again (docs/payment.md).
            locked.recheckAt = firstRecheck(locked, now, self.recheckWindow)
            await recordAudit(uow.audit, "payment.cancelled", locked, context)
            await uow.commit()
        if vaUnknown:
            await self.deleteVaMadeMeanwhile(locked, context, deadline)
        return PaymentOutput.fromPayment(locked)

    # Whether BRI deleted the VA (False: BRI knew none, its create-va may still be on its way).
    async def deleteVirtualAccount(self, payment: Payment, context: RequestContext, deadline: float) -> bool:
        # Once deleted nobody can pay the VA. BRI refuses to delete a VA paid since the poll: ask again.
        try:
            await beforeDeadline(self.gateway.deleteVirtualAccount(customerNo=str(payment.customerNo),
                                                                   trxId=payment.partnerReferenceNo), deadline)
        except GatewayNotFoundError:
            return False
        except GatewayConflictError:
            await self.requireUnpaidAtBri(payment, context, deadline)
            raise
        return True

    async def deleteVaMadeMeanwhile(self, payment: Payment, context: RequestContext, deadline: float) -> None:
        # BRI knew no VA before the row was locked, but the create may have stored one while the payment was still
        # pending (it deletes only the VA of a payment it finds closed): deleted now, best effort. A VA paid since
        # is asked about, so that its payment is recorded late or flagged even if BRI's notification is lost (flagged
        # too when BRI cannot be asked before the deadline, or answers unpaid: va_delete_refused).
        try:
            try:
                await beforeDeadline(self.gateway.deleteVirtualAccount(customerNo=str(payment.customerNo),
                                                                       trxId=payment.partnerReferenceNo), deadline)
            except GatewayNotFoundError:
                return  # not made yet: the create deletes it once it stores BRI's answer
            except GatewayConflictError:
                await self.closedReport.recordRefusedDelete(
                    payment, beforeDeadline(pollPayment(self.gateway, payment), deadline), context)
        except Exception as error:
            logger.warning("payment_cancel_cleanup_failed", "Could not delete a VA made during the cancel",
                           payment_id=str(payment.id), request_id=context.requestId, error_type=type(error).__name__)

    async def requireUnpaidAtBri(self, payment: Payment, context: RequestContext, deadline: float) -> None:
        result = await beforeDeadline(pollPayment(self.gateway, payment), deadline)
        if not result.paid:
            return
        if result.notification is not None:
            await self.settle.execute(result.notification, context)
        async with self.uowFactory() as uow:
            current = await self.requireOwned(uow, payment.userId, payment.id)
        raise PaymentPaidAtGatewayError(details=[{"paymentId": str(current.id), "status": current.status,
                                                  "flaggedReason": current.flaggedReason or result.reason}])

    @staticmethod
    async def requireOwned(uow: UnitOfWorkInterface, userId: uuid.UUID, paymentId: uuid.UUID,
                           forUpdate: bool = False) -> Payment:
        payment = await uow.payments.getOwned(paymentId, userId, forUpdate)
        if payment is None:
            raise PaymentNotFoundError()
        return payment
