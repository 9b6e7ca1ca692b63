from __future__ import annotations

from KSysPayment.backend.application.auditTrail import recordAudit
from KSysPayment.backend.application.paymentPoll import PollResult
from KSysPayment.backend.application.settleNotification import SettleNotification
from KSysPayment.backend.domain.interfaces.unitOfWorkInterface import UnitOfWorkFactory
from KSysPayment.backend.domain.models.auditLog import ActorType, AuditOutcome
from KSysPayment.backend.domain.models.payment import Payment, PaymentStatus
from KSysPayment.backend.domain.requestContext import RequestContext
from shared.backend.database.modelSupport import utcNow

CLOSED = (PaymentStatus.CANCELLED.value, PaymentStatus.EXPIRED.value, PaymentStatus.FAILED.value)
LATE_PAYMENT = "late_payment:"


def unverifiedLateReason(status: str, unverified: str) -> str:
    return f"{LATE_PAYMENT} paid while {status}; {unverified}"


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

    async def flagUnverified(self, payment: Payment, unverified: str, context: RequestContext) -> None:
        async with self.uowFactory() as uow:
            locked = await uow.payments.getById(payment.id, forUpdate=True)
            # Pending: reconciliation polls and flags it; paid, or flagged late already (a recorded late report, or
            # this answer before): nothing new for an admin, and an admin's resolution of it stays.
            if locked is None or locked.status not in CLOSED or (locked.flaggedReason or "").startswith(LATE_PAYMENT):
                return
            reason = unverifiedLateReason(locked.status, unverified)
            locked.flag(reason, utcNow())
            await recordAudit(uow.audit, "payment.flagged", locked, context, actorType=ActorType.SYSTEM,
                              outcome=AuditOutcome.FAILURE, details={"reason": reason})
            await uow.commit()
