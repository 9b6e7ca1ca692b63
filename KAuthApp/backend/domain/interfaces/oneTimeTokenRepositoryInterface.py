from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from KAuthApp.backend.domain.models.oneTimeToken import OneTimeToken


class OneTimeTokenRepositoryInterface(Protocol):
    async def add(self, entity: OneTimeToken) -> OneTimeToken: ...

    async def getByHash(self, tokenHash: str, forUpdate: bool = False) -> OneTimeToken | None: ...

    async def invalidateOpen(self, userId: uuid.UUID, purpose: str, now: datetime) -> None: ...
