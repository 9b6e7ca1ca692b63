from __future__ import annotations

import uuid

from KAuthApp.backend.application.requestContext import RequestContext
from KAuthApp.backend.domain.interfaces.auditLogRepositoryInterface import AuditLogRepositoryInterface
from KAuthApp.backend.domain.models.auditLog import ActorType, AuditLog, AuditOutcome
from shared.backend.loggingFactory import getSystemLogger

logger = getSystemLogger("kauth.audit")


# Entries join the use case's transaction and are written by its commit; details never hold secrets
# (tokens, codes, passwords).
class AuditTrail:
    def __init__(self, repository: AuditLogRepositoryInterface, context: RequestContext) -> None:
        self.repository = repository
        self.context = context

    async def record(
        self,
        action: str,
        outcome: AuditOutcome,
        *,
        actorId: uuid.UUID | None = None,
        targetId: uuid.UUID | None = None,
        targetType: str = "user",
        details: dict[str, object] | None = None,
    ) -> AuditLog:
        entry = AuditLog(
            actorId=actorId,
            actorType=ActorType.USER.value if actorId is not None else ActorType.ANONYMOUS.value,
            action=action,
            targetType=targetType if targetId is not None else None,
            targetId=str(targetId) if targetId is not None else None,
            ip=self.context.ip,
            requestId=self.context.requestId,
            outcome=outcome.value,
            details=details or {},
        )
        self.repository.stage(entry)
        logger.audit(action, f"auth {action}: {outcome.value}", outcome=outcome.value, target_id=entry.targetId,
                     actor_id=str(actorId) if actorId else None)
        return entry
