from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from KAuthApp.backend.domain.models.user import UserStatus


# What a login reads of its account before hashing, without locking the row.
@dataclass(frozen=True, slots=True)
class LoginSnapshot:
    id: uuid.UUID
    passwordHash: str
    status: str
    emailVerifiedAt: datetime | None
    mfaEnabled: bool
    lockedUntil: datetime | None
    deletedAt: datetime | None
    roles: list[str]

    # A password alone opens the session: an active, verified, undeleted account without MFA.
    def passwordSuffices(self) -> bool:
        return (self.status == UserStatus.ACTIVE.value and self.emailVerifiedAt is not None
                and self.deletedAt is None and not self.mfaEnabled)
