from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


# What the profile endpoints show about a user, read in one query; the phone number is still encrypted.
@dataclass(frozen=True, slots=True)
class UserProfile:
    id: uuid.UUID
    email: str
    displayName: str | None
    phoneEncrypted: str | None
    emailVerified: bool
    mfaEnabled: bool
    roles: list[str]
    createdAt: datetime
