from __future__ import annotations

import uuid
from datetime import datetime

from KAuthApp.backend.application.dtoBase import OutputModel


class SessionOutput(OutputModel):
    id: uuid.UUID
    deviceFingerprint: str | None
    userAgent: str | None
    ip: str | None
    createdAt: datetime
    lastUsedAt: datetime
    expiresAt: datetime
    current: bool


class SessionListOutput(OutputModel):
    sessions: list[SessionOutput]
