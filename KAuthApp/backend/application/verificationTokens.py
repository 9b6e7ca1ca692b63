from __future__ import annotations

from datetime import datetime, timedelta

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.domain.exceptions.authErrors import TokenInvalidOrUsedError
from KAuthApp.backend.domain.models.oneTimeToken import OneTimeToken, TokenPurpose
from KAuthApp.backend.domain.models.user import User
from KAuthApp.backend.domain.opaqueTokens import hashToken, newSecret


# Issues a single-use token (only its hash stored), invalidating the user's earlier open ones.
async def issueToken(ports: AuthPorts, user: User, purpose: TokenPurpose, ttlSeconds: int, now: datetime) -> str:
    await ports.tokens.invalidateOpen(user.id, purpose.value, now)
    token = newSecret()
    await ports.tokens.add(OneTimeToken(userId=user.id, purpose=purpose.value, tokenHash=hashToken(token),
                                        expiresAt=now + timedelta(seconds=ttlSeconds), createdAt=now))
    return token


# Locks the token's user row (None when it is gone) and then the token row, so that two concurrent uses cannot
# both pass. The user row comes first, as in every use case that voids a user's open tokens (resend, register,
# forgot, password change): the other order deadlocked with them. The token is read once to find its user.
async def openToken(ports: AuthPorts, token: str, purpose: TokenPurpose,
                    now: datetime) -> tuple[OneTimeToken, User | None]:
    tokenHash = hashToken(token)
    found = await ports.tokens.getByHash(tokenHash)
    user = await ports.users.getById(found.userId, forUpdate=True) if found is not None else None
    entry = await ports.tokens.getByHash(tokenHash, forUpdate=True) if found is not None else None
    if entry is None or entry.purpose != purpose.value or entry.usedAt is not None or entry.expiresAt <= now:
        raise TokenInvalidOrUsedError()
    return entry, user
