from __future__ import annotations

import uuid
from datetime import datetime

from KAuthApp.backend.application.dtoBase import OutputModel


# What the sessions list and the data export both show of a session row.
class SessionFields(OutputModel):
    id: uuid.UUID
    deviceFingerprint: str | None
    userAgent: str | None
    ip: str | None
    createdAt: datetime
    lastUsedAt: datetime


class SessionOutput(SessionFields):
    expiresAt: datetime
    current: bool


class SessionListOutput(OutputModel):
    sessions: list[SessionOutput]
