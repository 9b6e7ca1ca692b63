from __future__ import annotations

import uuid
from typing import Protocol

from KAuthApp.backend.domain.userProfile import UserProfile


class ProfileQueryInterface(Protocol):
    async def profileOf(self, userId: uuid.UUID) -> UserProfile | None: ...
