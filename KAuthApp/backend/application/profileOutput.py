from __future__ import annotations

import uuid
from datetime import datetime

from KAuthApp.backend.application.dtoBase import OutputModel


class ProfileOutput(OutputModel):
    id: uuid.UUID
    email: str
    displayName: str | None
    phoneNumber: str | None
    emailVerified: bool
    mfaEnabled: bool
    roles: list[str]
    createdAt: datetime
