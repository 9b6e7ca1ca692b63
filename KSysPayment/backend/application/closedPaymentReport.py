from __future__ import annotations

from collections.abc import Awaitable, Callable

from KSysPayment.backend.application.auditTrail import recordAudit
from KSysPayment.backend.application.paymentPoll import PollResult
from KSysPayment.backend.application.settleNotification import SettleNotification
from KSysPayment.backend.domain.interfaces.unitOfWorkInterface import UnitOfWorkFactory
from KSysPayment.backend.domain.models.auditLog import ActorType, AuditOutcome
from KSysPayment.backend.domain.models.payment import Payment, PaymentStatus
from KSysPayment.backend.domain.requestContext import RequestContext
from shared.backend.database.modelSupport import utcNow
from shared.backend.exceptions.domainError import DomainError
from shared.backend.loggingFactory import getSystemLogger

logger = getSystemLogger("payment.closed")

CLOSED = (PaymentStatus.CANCELLED.value, PaymentStatus.EXPIRED.value, PaymentStatus.FAILED.value)
LATE_PAYMENT = "late_payment:"
# BRI refused to delete a closed payment's VA (409, as for a paid one) yet answered unpaid: the VA may still be
# payable at BRI, with nothing on our books to show it.
VA_DELETE_REFUSED = "va_delete_refused: BRI refused to delete the VA but reports it unpaid"


def unverifiedLateReason(status: str, unverified: str) -> str:
    return f"{LATE_PAYMENT} paid while {status}; {unverified}"


def refusedDeleteReason(failure: str) -> str:
    return f"late_check_unverified: BRI refused to delete the paid VA, then could not be asked ({failure})"


# BRI's answer about a closed payment it took money for (its VA delete refused, a closed QR rechecked). A report is
# settled (late, flagged for a refund). A paid answer without an amount or paymentRequestId settles nothing, so BRI's
# notification still records it under its own key, but flags the payment: reconciliation polls only pending ones,
# and with that notification lost nothing else would show an admin the money. Returns False when BRI said unpaid.
class ClosedPaymentReport:
    def __init__(self, uowFactory: UnitOfWorkFactory, settle: SettleNotification) -> None:
        self.uowFactory = uowFactory
        self.settle = settle

    async def record(self, payment: Payment, result: PollResult, context: RequestContext) -> bool:
        if result.notification is not None:
            await self.settle.execute(result.notification, context)
            return True
        if not result.unverified:
            return False
        await self.flagUnverified(payment, str(result.reason), context)
        return True

    # BRI refused to delete the payment's VA (409: it was paid) and is asked about it with poll. The refusal is itself
    # evidence of the payment: when BRI cannot be asked (its errors after their tries, the caller's deadline), the
    # closed payment is flagged for an admin, as a QR recheck that cannot ask BRI is. False when BRI said unpaid: the
    # closed payment is then flagged va_delete_refused, its VA being alive at BRI for anyone to pay.
    async def recordRefusedDelete(self, payment: Payment, poll: Awaitable[PollResult],
                                  context: RequestContext) -> bool:
        try:
            result = await poll
        except Exception as error:
            failure = error.code if isinstance(error, DomainError) else type(error).__name__
            logger.warning("payment_refused_delete_unverified", "BRI refused to delete a paid VA and could not be "
                           "asked about it", payment_id=str(payment.id), request_id=context.requestId, code=failure)
            await self.flagUnverified(payment, refusedDeleteReason(failure), context)
            return True
        if await self.record(payment, result, context):
            return True
        logger.warning("payment_va_delete_refused_unpaid", "BRI refused to delete a VA it reports unpaid",
                       payment_id=str(payment.id), request_id=context.requestId)
        await self.flagClosed(payment, lambda _status: VA_DELETE_REFUSED, context)
        return False

    async def flagUnverified(self, payment: Payment, unverified: str, context: RequestContext) -> None:
        await self.flagClosed(payment, lambda status: unverifiedLateReason(status, unverified), context)

    # reasonFor: the flag for the payment's closed status.
    async def flagClosed(self, payment: Payment, reasonFor: Callable[[str], str], context: RequestContext) -> None:
        async with self.uowFactory() as uow:
            locked = await uow.payments.getById(payment.id, forUpdate=True)
            # Pending: reconciliation polls and flags it; paid, flagged late already (a recorded late report, or an
            # unverified answer before) or with this reason already: nothing new for an admin, and an admin's
            # resolution of it stays.
            if locked is None or locked.status not in CLOSED or (locked.flaggedReason or "").startswith(LATE_PAYMENT):
                return
            reason = reasonFor(locked.status)
            if locked.flaggedFor(reason):
                return
            locked.flag(reason, utcNow())
            await recordAudit(uow.audit, "payment.flagged", locked, context, actorType=ActorType.SYSTEM,
                              outcome=AuditOutcome.FAILURE, details={"reason": reason})
            await uow.commit()
