from __future__ import annotations

from typing import Protocol

from KSysPayment.backend.domain.models.auditLog import AuditLog


class AuditLogRepositoryInterface(Protocol):
    async def add(self, entity: AuditLog) -> AuditLog: ...
