from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol


# A users row's encrypted columns that hold a value, by column name.
@dataclass(frozen=True)
class EncryptedRow:
    userId: uuid.UUID
    values: dict[str, str]


class EncryptedColumnsInterface(Protocol):
    async def nextBatch(self, afterId: uuid.UUID | None, limit: int, forUpdate: bool) -> list[EncryptedRow]: ...

    async def store(self, userId: uuid.UUID, values: dict[str, str]) -> None: ...
