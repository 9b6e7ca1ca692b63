from __future__ import annotations

import uuid

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.application.sessionIssuer import SessionIssuer, isExpired
from KAuthApp.backend.domain.exceptions.authErrors import SessionNotFoundError
from KAuthApp.backend.domain.models.auditLog import AuditOutcome
from shared.backend.database.modelSupport import utcNow

ACTION = "auth.session_revoke"


class RevokeSession:
    def __init__(self, ports: AuthPorts) -> None:
        self.ports = ports

    async def execute(self, userId: uuid.UUID, sessionId: uuid.UUID) -> None:
        ports, now = self.ports, utcNow()
        session = await ports.sessions.getById(sessionId, forUpdate=True)
        if session is not None and session.userId != userId:
            # Another user's session answers exactly like a missing one, but the attempt is audited.
            await ports.audit.record(ACTION, AuditOutcome.DENIED, actorId=userId, targetId=session.userId,
                                     details={"sessionId": str(session.id), "reason": "not_owner"})
            await ports.transaction.commit()
            raise SessionNotFoundError()
        if session is None or session.revokedAt is not None or isExpired(session, now):
            raise SessionNotFoundError()
        await ports.sessions.revokeIds([session.id], "revoked_by_user", now)
        await ports.audit.record(ACTION, AuditOutcome.SUCCESS, actorId=userId, targetId=userId,
                                 details={"sessionId": str(session.id)})
        # The keys go before the commit, the rows still locked (a racing restore or refresh meets the revocation
        # marker): a Redis failure then changes nothing and the same request can be retried (docs/decisions.md).
        await SessionIssuer(ports).drop([session.id])
        await ports.transaction.commit()
