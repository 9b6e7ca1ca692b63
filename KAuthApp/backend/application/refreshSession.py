from __future__ import annotations

from typing import NoReturn

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.application.sessionIssuer import IssuedSession, SessionIssuer, isExpired
from KAuthApp.backend.application.tokenReuse import endReusedFamily, rotatedJustNow
from KAuthApp.backend.domain.exceptions.authErrors import InvalidRefreshTokenError, RefreshTokenReusedError
from KAuthApp.backend.domain.models.auditLog import AuditOutcome
from KAuthApp.backend.domain.models.session import Session
from KAuthApp.backend.domain.models.user import UserStatus
from KAuthApp.backend.domain.opaqueTokens import hashToken, issuedHere, refreshTokenSession, sameHash
from shared.backend.database.modelSupport import utcNow

ACTION = "auth.refresh"


class RefreshSession:
    def __init__(self, ports: AuthPorts) -> None:
        self.ports = ports
        self.issuer = SessionIssuer(ports)

    async def execute(self, refreshToken: str | None) -> IssuedSession:
        ports, now = self.ports, utcNow()
        sessionId = refreshTokenSession(refreshToken) if refreshToken else None
        # Row lock: a concurrent refresh with the same token waits here and then sees the new hash.
        session = await ports.sessions.getById(sessionId, forUpdate=True) if sessionId else None
        if refreshToken is None or session is None:
            raise InvalidRefreshTokenError()
        if not sameHash(session.refreshTokenHash, hashToken(refreshToken)):
            await self.refuseStale(session, refreshToken)
        if session.revokedAt is not None:
            # The current token of an ended session (logout, reset, an admin's lock): a stolen copy, or a client
            # that missed the logout. Audited either way.
            await self.deny(session, "session_revoked", revokedReason=session.revokedReason)
        user = await ports.users.getById(session.userId)
        usable = user is not None and user.deletedAt is None and user.status == UserStatus.ACTIVE.value
        if isExpired(session, now) or not usable:
            await self.end(session, "expired" if usable else "account_unavailable")
        roles = await ports.users.rolesOf(session.userId)
        newToken = self.issuer.rotate(session, now)
        await ports.sessions.add(session)
        # The key is saved before the commit (the row stays locked): if Redis fails, the rotation rolls back
        # and the client's retry with the same token still works, instead of counting as reuse. It lists the new
        # access token's jti beside the previous tokens' (other tabs keep theirs).
        issued = self.issuer.issue(session, roles, newToken, now)
        await self.issuer.publish(session, issued)
        await ports.transaction.commit()
        return issued

    async def refuseStale(self, session: Session, refreshToken: str) -> None:
        ports, now = self.ports, utcNow()
        if not issuedHere(refreshToken, self.issuer.tagKeys):
            # Names a real session but was never issued (or predates the tags): refused, the session kept.
            await self.deny(session, "forged_token")
        if rotatedJustNow(session, now):
            # Audited, so that a thief who won the race against the owner still leaves a trace.
            await self.deny(session, "concurrent_refresh")
        await endReusedFamily(ports, session, now, via="refresh")
        raise RefreshTokenReusedError()

    # Refused without ending anything: audited as denied with its reason, committed, then raised.
    async def deny(self, session: Session, reason: str, **details: object) -> NoReturn:
        await self.ports.audit.record(ACTION, AuditOutcome.DENIED, targetId=session.userId,
                                      details={"reason": reason, "sessionId": str(session.id), **details})
        await self.ports.transaction.commit()
        raise InvalidRefreshTokenError()

    async def end(self, session: Session, reason: str) -> None:
        ports = self.ports
        revoked = await ports.sessions.revokeIds([session.id], reason, utcNow())
        await ports.audit.record(ACTION, AuditOutcome.FAILURE, targetId=session.userId,
                                 details={"reason": reason, "sessionId": str(session.id)})
        await ports.transaction.commit()
        await self.issuer.drop([*revoked, session.id])
        raise InvalidRefreshTokenError()
