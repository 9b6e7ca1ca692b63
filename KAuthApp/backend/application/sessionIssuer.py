from __future__ import annotations

import contextlib
import math
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.application.tokenOutput import TokenOutput
from KAuthApp.backend.domain.models.session import Session
from KAuthApp.backend.domain.models.user import User
from KAuthApp.backend.domain.opaqueTokens import hashToken, newRefreshToken, refreshTagKey
from KAuthApp.backend.domain.sessionRecord import SessionRecord
from shared.backend.database.modelSupport import utcNow
from shared.backend.security.jwtCodec import AccessClaims
from shared.backend.security.sessionStore import SessionRevokedError
from shared.backend.utils.uuid import generateId

USER_AGENT_MAX = 512
T = TypeVar("T")


@dataclass(frozen=True)
class IssuedSession:
    tokens: TokenOutput
    sessionId: uuid.UUID
    cookieMaxAge: int
    claims: AccessClaims


# What issuing tokens and publishing the Redis key read of a session: a stored row or a new record.
class SessionWindow(Protocol):
    id: uuid.UUID
    userId: uuid.UUID
    idleExpiresAt: datetime
    absoluteExpiresAt: datetime


def sessionEnd(session: SessionWindow) -> datetime:
    return min(session.idleExpiresAt, session.absoluteExpiresAt)


def remainingSeconds(session: SessionWindow, now: datetime) -> int:
    return max(0, math.ceil((sessionEnd(session) - now).total_seconds()))


def isExpired(session: SessionWindow, now: datetime) -> bool:
    return sessionEnd(session) <= now


class SessionIssuer:
    def __init__(self, ports: AuthPorts) -> None:
        self.ports = ports
        self.auth = ports.settings.auth
        jwt = ports.settings.jwt
        self.tagKey = refreshTagKey(jwt.secret.get_secret_value())
        self.tagKeys = (self.tagKey, *(refreshTagKey(secret) for secret in jwt.previousSecretValues()))

    def idleEnd(self, now: datetime, absoluteEnd: datetime) -> datetime:
        return min(now + timedelta(seconds=self.auth.sessionIdleSeconds), absoluteEnd)

    # A new session's values and its refresh token; nothing is written yet.
    def draft(self, userId: uuid.UUID, fingerprint: str | None, now: datetime) -> tuple[SessionRecord, str]:
        sessionId = generateId()
        refreshToken = newRefreshToken(sessionId, self.tagKey)
        absoluteEnd = now + timedelta(seconds=self.auth.sessionAbsoluteSeconds)
        context = self.ports.audit.context
        record = SessionRecord(
            id=sessionId, userId=userId, familyId=generateId(), refreshTokenHash=hashToken(refreshToken),
            deviceFingerprint=fingerprint, ip=context.ip,
            userAgent=context.userAgent[:USER_AGENT_MAX] if context.userAgent else None,
            createdAt=now, lastUsedAt=now, idleExpiresAt=self.idleEnd(now, absoluteEnd),
            absoluteExpiresAt=absoluteEnd,
        )
        return record, refreshToken

    # The new row is written by the login's commit.
    def open(self, user: User, fingerprint: str | None, now: datetime) -> tuple[SessionRecord, str]:
        record, refreshToken = self.draft(user.id, fingerprint, now)
        self.ports.sessions.stage(Session(**asdict(record)))
        return record, refreshToken

    def rotate(self, session: Session, now: datetime) -> str:
        refreshToken = newRefreshToken(session.id, self.tagKey)
        session.refreshTokenHash = hashToken(refreshToken)
        session.lastUsedAt = now
        session.idleExpiresAt = self.idleEnd(now, session.absoluteExpiresAt)
        context = self.ports.audit.context
        session.ip = context.ip or session.ip
        return refreshToken

    # The Redis key lives as long as the session can still be refreshed, and lists the access token issued with
    # it (issued first, handed out only after the save), so the gateway counts that token as the user. A
    # revocation remembered for the session (its marker stands) wins: no key, and no tokens for the caller.
    # Its lifetime counts from the save, not from the request's clock (read before Argon2 or a row lock).
    async def publish(self, session: SessionWindow, issued: IssuedSession) -> None:
        end = sessionEnd(session)
        if not await self.ports.sessionCache.save(
            str(session.id), str(session.userId), issued.claims.roles, int(end.timestamp()),
            remainingSeconds(session, utcNow()), issued.claims.tokenId, issued.claims.expiresAt,
        ):
            raise SessionRevokedError()

    # The key is saved before the write that makes the session real (a login's commit or its one statement), so
    # that a Redis failure leaves nothing written: no row without a key, no code spent. A key whose write then
    # fails is deleted again; one left behind is never usable, since no token names its session.
    async def publishBefore(self, session: SessionWindow, issued: IssuedSession,
                            write: Callable[[], Awaitable[T]]) -> T:
        await self.publish(session, issued)
        try:
            return await write()
        except Exception:
            await self.discard(session)
            raise

    # Best effort: the caller's own error (or None) is the answer, and an unused key expires with its window.
    async def discard(self, session: SessionWindow) -> None:
        with contextlib.suppress(Exception):
            await self.drop([session.id])

    # The revocation is remembered for an access token's lifetime, longer than any racing save can take.
    async def drop(self, sessionIds: list[uuid.UUID]) -> None:
        await self.ports.sessionCache.revoke([str(sessionId) for sessionId in sessionIds],
                                             self.ports.settings.jwt.accessTtlSeconds)

    def issue(self, session: SessionWindow, roles: list[str], refreshToken: str, now: datetime) -> IssuedSession:
        jwt = self.ports.settings.jwt
        accessToken, claims = self.ports.codec.issue(
            str(session.userId), str(session.id), roles, jwt.userAudience, jwt.accessTtlSeconds
        )
        tokens = TokenOutput(accessToken=accessToken, refreshToken=refreshToken,
                             expiresIn=claims.expiresAt - claims.issuedAt)
        maxAge = max(0, math.ceil((session.absoluteExpiresAt - now).total_seconds()))
        return IssuedSession(tokens=tokens, sessionId=session.id, cookieMaxAge=maxAge, claims=claims)
