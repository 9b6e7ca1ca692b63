from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from functools import partial

from KSysAdmin.backend.domain.adminPrincipal import AdminPrincipal, RequestContext
from KSysAdmin.backend.domain.interfaces.auditLogRepositoryInterface import AuditLogRepositoryInterface
from KSysAdmin.backend.domain.interfaces.transactionInterface import TransactionInterface
from KSysAdmin.backend.domain.models.auditLog import ActorType, AuditLog, AuditOutcome
from shared.backend.exceptions.domainError import DomainError, PermissionDeniedError, UnauthenticatedError
from shared.backend.loggingFactory import getSystemLogger

logger = getSystemLogger("ksysadmin.audit")


class AuditTrail:
    # origin: details every entry of this trail carries, after its own (the CLI's operator and host).
    def __init__(
        self, repository: AuditLogRepositoryInterface, transaction: TransactionInterface,
        origin: Mapping[str, object] | None = None,
    ) -> None:
        self.repository = repository
        self.transaction = transaction
        self.origin = dict(origin or {})

    async def record(
        self,
        context: RequestContext,
        actor: AdminPrincipal | None,
        action: str,
        outcome: AuditOutcome,
        targetType: str | None = None,
        targetId: str | uuid.UUID | None = None,
        details: dict[str, object] | None = None,
        actorId: uuid.UUID | None = None,
        actorType: ActorType | None = None,
    ) -> AuditLog:
        known = actor is not None or actorId is not None
        entry = AuditLog(
            actorId=actor.userId if actor is not None else actorId,
            actorType=(actorType or (ActorType.ADMIN if known else ActorType.ANONYMOUS)).value,
            action=action,
            targetType=targetType,
            targetId=str(targetId) if targetId is not None else None,
            ip=context.ip,
            requestId=context.requestId,
            outcome=outcome.value,
            details={**(details or {}), **self.origin},
        )
        await self.repository.add(entry)
        # The log line once the entry is committed: an action rolled back leaves neither.
        self.repository.afterCommit(partial(logger.audit, action, f"admin action {action}: {outcome.value}",
                                            outcome=outcome.value, target_type=targetType,
                                            target_id=entry.targetId, actor_id=str(entry.actorId)))
        return entry

    # A refused action: its own changes are rolled back, then the refusal is recorded and committed.
    async def recordRefusal(
        self,
        context: RequestContext,
        actor: AdminPrincipal | None,
        action: str,
        outcome: AuditOutcome,
        targetType: str | None,
        targetId: str | uuid.UUID | None,
        details: dict[str, object],
        actorId: uuid.UUID | None = None,
    ) -> None:
        await self.transaction.rollback()
        await self.record(context, actor, action, outcome, targetType, targetId, details, actorId=actorId)
        await self.transaction.commit()

    # Wraps one admin action: a domain error rolls it back and is recorded as failed or denied.
    @asynccontextmanager
    async def audited(
        self,
        context: RequestContext,
        actor: AdminPrincipal | None,
        action: str,
        targetType: str | None,
        targetId: str | uuid.UUID | None,
    ) -> AsyncIterator[None]:
        try:
            yield
        except DomainError as error:
            refused = isinstance(error, (PermissionDeniedError, UnauthenticatedError))
            outcome = AuditOutcome.DENIED if refused else AuditOutcome.FAILURE
            await self.recordRefusal(context, actor, action, outcome, targetType, targetId, {"code": error.code})
            raise
