from __future__ import annotations

from KSysPayment.backend.domain.models.auditLog import ActorType, AuditLog, AuditOutcome
from KSysPayment.backend.domain.models.payment import Payment
from KSysPayment.backend.domain.requestContext import RequestContext
from shared.backend.loggingFactory import getSystemLogger

logger = getSystemLogger("payment.audit")


# Builds the audit row (added in the caller's transaction) and logs the change with ids.
def auditPayment(
    action: str,
    payment: Payment,
    context: RequestContext,
    *,
    actorType: ActorType = ActorType.USER,
    outcome: AuditOutcome = AuditOutcome.SUCCESS,
    details: dict[str, object] | None = None,
) -> AuditLog:
    allDetails: dict[str, object] = {"status": payment.status, "amount": payment.amount, **(details or {})}
    logger.audit(action, f"{action} {payment.id}", payment_id=str(payment.id), request_id=context.requestId,
                 actor_type=actorType.value, audit_outcome=outcome.value, details=allDetails)
    return AuditLog(
        actorId=payment.userId if actorType == ActorType.USER else None,
        actorType=actorType.value,
        action=action,
        targetType="payment",
        targetId=str(payment.id),
        ip=context.ip,
        requestId=context.requestId,
        outcome=outcome.value,
        details=allDetails,
    )
