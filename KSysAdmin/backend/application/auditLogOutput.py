from __future__ import annotations

import uuid
from datetime import datetime

from KSysAdmin.backend.application.dtoBase import OutputModel


class AuditLogOutput(OutputModel):
    id: uuid.UUID
    actorId: uuid.UUID | None
    actorType: str
    action: str
    targetType: str | None
    targetId: str | None
    ip: str | None
    requestId: str | None
    outcome: str
    details: dict[str, object]
    createdAt: datetime


class AuditLogPageOutput(OutputModel):
    items: list[AuditLogOutput]
    nextCursor: str | None
