from __future__ import annotations

import uuid
from dataclasses import asdict
from functools import partial

from KSysPayment.backend.domain.interfaces.auditLogRepositoryInterface import AuditLogRepositoryInterface
from KSysPayment.backend.domain.models.auditLog import ActorType, AuditLog, AuditOutcome
from KSysPayment.backend.domain.models.payment import Payment
from KSysPayment.backend.domain.requestContext import RequestContext
from shared.backend.database.auditRecord import AuditRecord
from shared.backend.database.modelSupport import utcNow
from shared.backend.loggingFactory import getSystemLogger
from shared.backend.utils.uuid import generateId

logger = getSystemLogger("payment.audit")


# The audit row for a change to a payment, to be stored by the caller's transaction or statement.
def auditEntry(
    action: str,
    payment: Payment,
    context: RequestContext,
    *,
    actorType: ActorType = ActorType.USER,
    outcome: AuditOutcome = AuditOutcome.SUCCESS,
    details: dict[str, object] | None = None,
) -> AuditRecord:
    allDetails: dict[str, object] = {"status": payment.status, "amount": payment.amount, **(details or {})}
    actorId = payment.userId if actorType == ActorType.USER else None
    return auditRow(action, str(payment.id), context, actorId=actorId, actorType=actorType, outcome=outcome,
                    details=allDetails)


# The same for a payment not read yet: targetId None is filled in by the statement that finds it. A record,
# not the model: the model's instrumentation costs more than the statement that writes the row. targetType
# None: an entry about no payment.
def auditRow(
    action: str,
    targetId: str | None,
    context: RequestContext,
    *,
    actorId: uuid.UUID | None = None,
    actorType: ActorType = ActorType.SYSTEM,
    outcome: AuditOutcome = AuditOutcome.SUCCESS,
    details: dict[str, object],
    targetType: str | None = "payment",
) -> AuditRecord:
    return AuditRecord(id=generateId(), actorId=actorId, actorType=actorType.value, action=action,
                       targetType=targetType, targetId=targetId, ip=context.ip, requestId=context.requestId,
                       outcome=outcome.value, details=details, createdAt=utcNow())


# The audit log line for an entry, with the payment and request ids.
def logAudit(entry: AuditRecord) -> None:
    logger.audit(entry.action, f"{entry.action} {entry.targetId}", payment_id=entry.targetId,
                 request_id=entry.requestId, actor_type=entry.actorType, audit_outcome=entry.outcome,
                 details=entry.details)


# Adds the audit row to the caller's transaction; its log line is written once that commits. Options as
# auditEntry's.
async def recordAudit(
    audit: AuditLogRepositoryInterface, action: str, payment: Payment, context: RequestContext, **options: object
) -> None:
    entry = auditEntry(action, payment, context, **options)
    await audit.add(AuditLog(**asdict(entry)))
    audit.afterCommit(partial(logAudit, entry))
