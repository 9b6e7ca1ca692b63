from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol


class RecoveryCodeRepositoryInterface(Protocol):
    async def replaceAll(self, userId: uuid.UUID, codeHashes: list[str]) -> None: ...

    async def consume(self, userId: uuid.UUID, codeHash: str, now: datetime) -> bool: ...

    async def deleteAll(self, userId: uuid.UUID) -> None: ...
