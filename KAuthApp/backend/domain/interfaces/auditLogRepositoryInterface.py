from __future__ import annotations

from typing import Protocol

from KAuthApp.backend.domain.models.auditLog import AuditLog


class AuditLogRepositoryInterface(Protocol):
    def stage(self, entity: AuditLog) -> AuditLog: ...
