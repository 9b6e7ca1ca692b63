from __future__ import annotations

import uuid
from datetime import datetime

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.application.sessionIssuer import SessionIssuer
from KAuthApp.backend.application.tokenReuse import endReusedFamily, rotatedJustNow
from KAuthApp.backend.domain.models.auditLog import AuditOutcome
from KAuthApp.backend.domain.models.session import Session
from KAuthApp.backend.domain.opaqueTokens import hashToken, issuedHere, refreshTokenSession, sameHash
from shared.backend.database.modelSupport import utcNow

ACTION = "auth.logout"


# Ends one session as a logout does: revoked, audited once (by the call that revoked it, against the session's
# user), committed, then its Redis key goes.
async def endSession(ports: AuthPorts, session: Session, now: datetime, actorId: uuid.UUID, revokedReason: str,
                     details: dict[str, object]) -> None:
    if await ports.sessions.revokeIds([session.id], revokedReason, now):
        await ports.audit.record(ACTION, AuditOutcome.SUCCESS, actorId=actorId, targetId=session.userId,
                                 details={"sessionId": str(session.id), **details})
    await ports.transaction.commit()
    await SessionIssuer(ports).drop([session.id])


# Ends the session named by the refresh token (body or cookie) and the access token's own session. A browser keeps one
# cookie, the last sign-in's: a tab signed in earlier logs out with its bearer and that cookie, and both sessions end
# (the tab's must not outlive its logout). Each ends in a transaction of its own, holding one session row at a time:
# two rows locked in a request's order could deadlock with a logout-all or another logout. Idempotent: a session
# that is already gone is not an error.
class LogoutSession:
    def __init__(self, ports: AuthPorts) -> None:
        self.ports = ports

    async def execute(self, refreshToken: str | None, sessionId: uuid.UUID | None, userId: uuid.UUID | None) -> None:
        ports, now = self.ports, utcNow()
        target, state = await self.byRefreshToken(refreshToken, userId, now)
        if target is not None and state == "rotated":
            # A rotated token (someone refreshed with a copy of it since): the family ends as on a refresh.
            await endReusedFamily(ports, target, now, via="logout")
        elif target is not None:
            await self.end(target, state, now)
        if sessionId is not None and (target is None or target.id != sessionId):
            candidate = await ports.sessions.getById(sessionId, forUpdate=True)
            if candidate is not None and candidate.userId == userId:
                await self.end(candidate, "current", now)

    async def end(self, session: Session, how: str, now: datetime) -> None:
        await endSession(self.ports, session, now, session.userId, "logout",
                         {"staleToken": True} if how == "stale" else {})

    # The session the token names and how: "current" (its token), "stale" (rotated out of it by a refresh
    # inside the rotation grace: the loser of a two-tab race, whose holder may still end the session) or
    # "rotated" (outside the grace: reuse). A forged tag (audited as on a refresh) names nothing.
    async def byRefreshToken(
        self, refreshToken: str | None, userId: uuid.UUID | None, now: datetime
    ) -> tuple[Session | None, str]:
        sessionId = refreshTokenSession(refreshToken) if refreshToken else None
        if refreshToken is None or sessionId is None:
            return None, "none"
        session = await self.ports.sessions.getById(sessionId, forUpdate=True)
        if session is None or sameHash(session.refreshTokenHash, hashToken(refreshToken)):
            return session, "current"
        if not issuedHere(refreshToken, SessionIssuer(self.ports).tagKeys):
            await self.denyForged(session, userId)
            return None, "none"
        return session, "stale" if rotatedJustNow(session, now) else "rotated"

    # A token naming a real session without a valid tag: the session is kept, the attempt audited and
    # committed; the logout goes on with the access token's session, if any.
    async def denyForged(self, session: Session, userId: uuid.UUID | None) -> None:
        await self.ports.audit.record(ACTION, AuditOutcome.DENIED, actorId=userId, targetId=session.userId,
                                      details={"reason": "forged_token", "sessionId": str(session.id)})
        await self.ports.transaction.commit()
