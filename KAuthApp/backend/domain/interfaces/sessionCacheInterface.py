from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


# The Redis mirror the gateway reads (kauth:session:{sid}); deleting it revokes access at once. save answers
# False, writing nothing, for a session revoked within the last rememberSeconds; it lists the jti (tokenId) of the
# access token issued with it among the session's recent ones, the only tokens the gateway counts as the user.
class SessionCacheInterface(Protocol):
    async def save(self, sessionId: str, userId: str, roles: Iterable[str], expiresAt: int, ttlSeconds: int,
                   tokenId: str, tokenExpiresAt: int) -> bool:
        ...

    async def revoke(self, sessionIds: Iterable[str], rememberSeconds: int) -> int: ...
