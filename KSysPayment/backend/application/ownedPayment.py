from __future__ import annotations

import uuid
from dataclasses import asdict

from KSysPayment.backend.application.auditTrail import auditRow, logAudit
from KSysPayment.backend.domain.exceptions.paymentErrors import PaymentNotFoundError
from KSysPayment.backend.domain.interfaces.unitOfWorkInterface import UnitOfWorkInterface
from KSysPayment.backend.domain.models.auditLog import ActorType, AuditLog, AuditOutcome
from KSysPayment.backend.domain.models.payment import Payment
from KSysPayment.backend.domain.requestContext import RequestContext

ACCESS_DENIED = "payment.access_denied"


# The caller's payment. Another user's answers exactly like a missing one but is audited (details: what the
# caller tried); the existence check runs only when the owned lookup missed, so an owned payment costs one query.
async def requireOwnedPayment(
    uow: UnitOfWorkInterface, userId: uuid.UUID, paymentId: uuid.UUID, context: RequestContext, attempted: str
) -> Payment:
    payment = await uow.payments.getOwned(paymentId, userId)
    if payment is not None:
        return payment
    if await uow.payments.getById(paymentId) is not None:
        entry = auditRow(ACCESS_DENIED, str(paymentId), context, actorId=userId, actorType=ActorType.USER,
                         outcome=AuditOutcome.DENIED, details={"action": attempted})
        await uow.audit.add(AuditLog(**asdict(entry)))
        await uow.commit()
        logAudit(entry)
    raise PaymentNotFoundError()
