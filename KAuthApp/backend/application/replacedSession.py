from __future__ import annotations

import uuid

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.application.logoutSession import endSession
from KAuthApp.backend.application.sessionIssuer import isExpired
from KAuthApp.backend.domain.opaqueTokens import hashToken, refreshTokenSession, sameHash
from shared.backend.database.modelSupport import utcNow

REASON = "replaced_by_login"


# A sign-in's cookie replaces the refresh cookie the browser held, so no browser holds that token any more: its
# session ends as its logout would (auth.logout, reason replaced_by_login, actor the new sign-in's user, target the
# session's own, another account's on a shared browser). Only the current token of a live session ends anything: an
# expired, ended, rotated, unknown or malformed one is an old cookie, not an attack, and is neither audited nor
# counted as reuse.
class EndReplacedSession:
    def __init__(self, ports: AuthPorts) -> None:
        self.ports = ports

    async def execute(self, refreshToken: str, actorId: uuid.UUID) -> None:
        sessionId = refreshTokenSession(refreshToken)
        if sessionId is None:
            return
        now = utcNow()
        session = await self.ports.sessions.getById(sessionId, forUpdate=True)
        if session is None or session.revokedAt is not None or isExpired(session, now) \
                or not sameHash(session.refreshTokenHash, hashToken(refreshToken)):
            return
        await endSession(self.ports, session, now, actorId, REASON, {"reason": REASON})
