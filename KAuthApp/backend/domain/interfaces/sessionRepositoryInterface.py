from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from KAuthApp.backend.domain.models.session import Session


class SessionRepositoryInterface(Protocol):
    async def add(self, entity: Session) -> Session: ...

    def stage(self, entity: Session) -> Session: ...

    async def getById(self, id: uuid.UUID, forUpdate: bool = False) -> Session | None: ...

    async def listActive(self, userId: uuid.UUID, now: datetime) -> list[Session]: ...

    async def revokedUnexpiredIds(
        self, userId: uuid.UUID, now: datetime, keep: uuid.UUID | None = None
    ) -> list[uuid.UUID]: ...

    async def revokeIds(self, ids: list[uuid.UUID], reason: str, now: datetime) -> list[uuid.UUID]: ...

    async def revokeFamily(self, familyId: uuid.UUID, reason: str, now: datetime) -> list[uuid.UUID]: ...

    async def revokeAllOf(
        self, userId: uuid.UUID, reason: str, now: datetime, keep: uuid.UUID | None = None
    ) -> list[uuid.UUID]: ...
