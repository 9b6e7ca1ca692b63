from __future__ import annotations

from datetime import datetime, timedelta

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.domain.exceptions.authErrors import TokenInvalidOrUsedError
from KAuthApp.backend.domain.models.oneTimeToken import OneTimeToken, TokenPurpose
from KAuthApp.backend.domain.models.user import User
from KAuthApp.backend.domain.opaqueTokens import hashToken, newSecret


# Issues a single-use token (only its hash stored). The user's earlier open ones stay usable: the new one's mail goes
# out after the commit and may fail, so voiding them here could leave no working link. Using a link voids the others
# of its purpose instead (useToken).
async def issueToken(ports: AuthPorts, user: User, purpose: TokenPurpose, ttlSeconds: int, now: datetime) -> str:
    token = newSecret()
    await ports.tokens.add(OneTimeToken(userId=user.id, purpose=purpose.value, tokenHash=hashToken(token),
                                        expiresAt=now + timedelta(seconds=ttlSeconds), createdAt=now))
    return token


# Locks the token's user row (None when it is gone) and then the token row, so that two concurrent uses cannot
# both pass. The user row comes first, as in every use case that writes a user's open tokens (a resend, register or
# forgot adds one, a register for a pending address or a password change voids them, a use voids its siblings):
# the other order deadlocked with them. The token is read once to find its user.
async def openToken(ports: AuthPorts, token: str, purpose: TokenPurpose,
                    now: datetime) -> tuple[OneTimeToken, User | None]:
    tokenHash = hashToken(token)
    found = await ports.tokens.getByHash(tokenHash)
    user = await ports.users.getById(found.userId, forUpdate=True) if found is not None else None
    entry = await ports.tokens.getByHash(tokenHash, forUpdate=True) if found is not None else None
    if entry is None or entry.purpose != purpose.value or entry.usedAt is not None or entry.expiresAt <= now:
        raise TokenInvalidOrUsedError()
    return entry, user


# Spends the opened token and voids every other open token of its user and purpose, under the user row's lock taken by
# openToken: one verified address or one password reset leaves no link of that purpose usable.
async def useToken(ports: AuthPorts, entry: OneTimeToken, now: datetime) -> None:
    entry.usedAt = now
    await ports.tokens.invalidateOpen(entry.userId, entry.purpose, now)
