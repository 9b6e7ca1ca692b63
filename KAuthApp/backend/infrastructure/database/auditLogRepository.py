from __future__ import annotations

from KAuthApp.backend.domain.models.auditLog import AuditLog
from shared.backend.database.baseRepository import BaseRepository


class AuditLogRepository(BaseRepository[AuditLog]):
    model = AuditLog
