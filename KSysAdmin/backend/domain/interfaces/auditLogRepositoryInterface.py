from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Protocol

from KSysAdmin.backend.domain.models.auditLog import AuditLog
from KSysAdmin.backend.domain.queries import AuditLogFilter, KeysetPosition


class AuditLogRepositoryInterface(Protocol):
    async def add(self, entity: AuditLog) -> AuditLog: ...

    async def listPage(self, filter: AuditLogFilter, after: KeysetPosition | None, limit: int) -> list[AuditLog]: ...

    async def recentForUser(self, userId: uuid.UUID, limit: int) -> list[AuditLog]: ...

    # Runs action once the transaction commits (a rollback drops it): an entry's log line.
    def afterCommit(self, action: Callable[[], None]) -> None: ...
