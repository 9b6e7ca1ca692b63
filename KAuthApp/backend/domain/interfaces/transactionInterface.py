from __future__ import annotations

from typing import Protocol


class TransactionInterface(Protocol):
    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...
