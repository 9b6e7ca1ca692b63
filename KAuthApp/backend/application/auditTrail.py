from __future__ import annotations

import uuid
from dataclasses import asdict
from functools import partial

from KAuthApp.backend.application.requestContext import RequestContext
from KAuthApp.backend.domain.interfaces.auditLogRepositoryInterface import AuditLogRepositoryInterface
from KAuthApp.backend.domain.models.auditLog import ActorType, AuditLog, AuditOutcome
from shared.backend.database.auditRecord import AuditRecord
from shared.backend.database.modelSupport import utcNow
from shared.backend.loggingFactory import getSystemLogger
from shared.backend.utils.uuid import generateId

logger = getSystemLogger("kauth.audit")


# Entries join the use case's transaction and are written by its commit, their log lines once it committed;
# details never hold secrets (tokens, codes, passwords).
class AuditTrail:
    def __init__(self, repository: AuditLogRepositoryInterface, context: RequestContext) -> None:
        self.repository = repository
        self.context = context

    # The entry's values with every default filled in: the model's default factories cost more to run.
    def entry(
        self,
        action: str,
        outcome: AuditOutcome,
        *,
        actorId: uuid.UUID | None = None,
        targetId: uuid.UUID | None = None,
        targetType: str = "user",
        details: dict[str, object] | None = None,
    ) -> AuditRecord:
        return AuditRecord(
            id=generateId(),
            actorId=actorId,
            actorType=ActorType.USER.value if actorId is not None else ActorType.ANONYMOUS.value,
            action=action,
            targetType=targetType if targetId is not None else None,
            targetId=str(targetId) if targetId is not None else None,
            ip=self.context.ip,
            requestId=self.context.requestId,
            outcome=outcome.value,
            details=details or {},
            createdAt=utcNow(),
        )

    # Options as for entry().
    async def record(self, action: str, outcome: AuditOutcome, **options: object) -> None:
        entry = self.entry(action, outcome, **options)
        self.repository.stage(AuditLog(**asdict(entry)))
        self.repository.afterCommit(partial(self.announce, entry))

    # The log line of an entry written (or staged) elsewhere.
    def announce(self, entry: AuditRecord) -> None:
        logger.audit(entry.action, f"auth {entry.action}: {entry.outcome}", outcome=entry.outcome,
                     target_id=entry.targetId, actor_id=str(entry.actorId) if entry.actorId else None)
