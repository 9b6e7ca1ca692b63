from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


# A new session row's values (the sessions model's attributes), written by the ORM or by one statement.
@dataclass(frozen=True, slots=True)
class SessionRecord:
    id: uuid.UUID
    userId: uuid.UUID
    familyId: uuid.UUID
    refreshTokenHash: str
    deviceFingerprint: str | None
    ip: str | None
    userAgent: str | None
    createdAt: datetime
    lastUsedAt: datetime
    idleExpiresAt: datetime
    absoluteExpiresAt: datetime
    revokedAt: datetime | None = None
    revokedReason: str | None = None
