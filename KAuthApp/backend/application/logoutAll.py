from __future__ import annotations

import uuid

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.application.sessionIssuer import SessionIssuer
from KAuthApp.backend.domain.models.auditLog import AuditOutcome
from shared.backend.database.modelSupport import utcNow


class LogoutAll:
    def __init__(self, ports: AuthPorts) -> None:
        self.ports = ports

    async def execute(self, userId: uuid.UUID, sessionId: uuid.UUID) -> None:
        ports = self.ports
        revoked = await ports.sessions.revokeAllOf(userId, "logout_all", utcNow())
        await ports.audit.record("auth.logout_all", AuditOutcome.SUCCESS, actorId=userId, targetId=userId,
                                 details={"sessionId": str(sessionId), "revokedCount": len(revoked)})
        await ports.transaction.commit()
        await SessionIssuer(ports).drop([*revoked, sessionId])
