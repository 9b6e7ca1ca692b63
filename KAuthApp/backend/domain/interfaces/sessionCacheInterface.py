from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


# The Redis mirror the gateway reads (kauth:session:{sid}); deleting it revokes access at once.
class SessionCacheInterface(Protocol):
    async def save(self, sessionId: str, userId: str, roles: Iterable[str], expiresAt: int, ttlSeconds: int) -> None:
        ...

    async def delete(self, sessionIds: Iterable[str]) -> int: ...
