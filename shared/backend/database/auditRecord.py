from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


# An audit row's values (the audit_logs model's attributes, in every service), written by the ORM or by one
# statement.
@dataclass(frozen=True, slots=True)
class AuditRecord:
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
