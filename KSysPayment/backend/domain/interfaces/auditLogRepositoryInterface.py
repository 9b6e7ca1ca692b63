from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from KSysPayment.backend.domain.models.auditLog import AuditLog


class AuditLogRepositoryInterface(Protocol):
    async def add(self, entity: AuditLog) -> AuditLog: ...

    # Runs action once the transaction commits (a rollback drops it): an entry's log line.
    def afterCommit(self, action: Callable[[], None]) -> None: ...
