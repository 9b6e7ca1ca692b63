from __future__ import annotations

import uuid

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.application.sessionIssuer import SessionIssuer
from KAuthApp.backend.domain.models.auditLog import AuditOutcome
from KAuthApp.backend.domain.models.session import Session
from KAuthApp.backend.domain.opaqueTokens import hashToken, refreshTokenSession, sameHash
from shared.backend.database.modelSupport import utcNow


# Ends the session named by the refresh token (body or cookie) or, failing that, by the access
# token. Idempotent: a session that is already gone is not an error.
class LogoutSession:
    def __init__(self, ports: AuthPorts) -> None:
        self.ports = ports

    async def execute(self, refreshToken: str | None, sessionId: uuid.UUID | None, userId: uuid.UUID | None) -> None:
        ports, now = self.ports, utcNow()
        target = await self.byRefreshToken(refreshToken)
        if target is None and sessionId is not None:
            candidate = await ports.sessions.getById(sessionId, forUpdate=True)
            target = candidate if candidate is not None and candidate.userId == userId else None
        if target is None:
            return
        revoked = await ports.sessions.revokeIds([target.id], "logout", now)
        if revoked:
            await ports.audit.record("auth.logout", AuditOutcome.SUCCESS, actorId=target.userId,
                                     targetId=target.userId, details={"sessionId": str(target.id)})
        await ports.transaction.commit()
        await SessionIssuer(ports).drop([target.id])

    async def byRefreshToken(self, refreshToken: str | None) -> Session | None:
        sessionId = refreshTokenSession(refreshToken) if refreshToken else None
        if refreshToken is None or sessionId is None:
            return None
        session = await self.ports.sessions.getById(sessionId, forUpdate=True)
        if session is None or not sameHash(session.refreshTokenHash, hashToken(refreshToken)):
            return None
        return session
