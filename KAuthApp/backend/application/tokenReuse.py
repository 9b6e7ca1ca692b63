from __future__ import annotations

from datetime import datetime

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.application.sessionIssuer import SessionIssuer
from KAuthApp.backend.domain.models.auditLog import AuditOutcome
from KAuthApp.backend.domain.models.session import Session

# A stale token presented this soon after its rotation is the loser of a concurrent refresh (two
# tabs), not a theft: it is refused without ending the family.
ROTATION_GRACE_SECONDS = 2.0


def rotatedJustNow(session: Session, now: datetime) -> bool:
    return session.revokedAt is None and (now - session.lastUsedAt).total_seconds() < ROTATION_GRACE_SECONDS


# A rotated refresh token presented again (to refresh or to log out): its whole family ends, audited,
# committed, then the Redis keys go.
async def endReusedFamily(ports: AuthPorts, session: Session, now: datetime, via: str) -> None:
    revoked = await ports.sessions.revokeFamily(session.familyId, "refresh_token_reused", now)
    await ports.audit.record("auth.refresh_token_reused", AuditOutcome.DENIED, targetId=session.userId,
                             details={"sessionId": str(session.id), "familyId": str(session.familyId),
                                      "revokedSessions": [str(item) for item in revoked], "via": via})
    await ports.transaction.commit()
    await SessionIssuer(ports).drop([*revoked, session.id])
