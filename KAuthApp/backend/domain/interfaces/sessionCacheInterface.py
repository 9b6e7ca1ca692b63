from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


# The Redis mirror the gateway reads (kauth:session:{sid}); deleting it revokes access at once. save answers
# False, writing nothing, for a session revoked within the last rememberSeconds.
class SessionCacheInterface(Protocol):
    async def save(self, sessionId: str, userId: str, roles: Iterable[str], expiresAt: int, ttlSeconds: int) -> bool:
        ...

    async def revoke(self, sessionIds: Iterable[str], rememberSeconds: int) -> int: ...
