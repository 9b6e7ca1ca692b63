from __future__ import annotations

import uuid

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.application.sessionIssuer import SessionIssuer
from KAuthApp.backend.domain.models.auditLog import AuditOutcome
from shared.backend.database.modelSupport import utcNow


# Ends every session of the user and the admin console's tokens. Deletes the Redis keys of every unexpired
# session, revoked now or earlier, so a retry after a Redis failure repairs it.
class LogoutAll:
    def __init__(self, ports: AuthPorts) -> None:
        self.ports = ports

    async def execute(self, userId: uuid.UUID, sessionId: uuid.UUID) -> None:
        ports = self.ports
        # The user row first, then the sessions: the order of password changes and resets and of the admin's
        # actions; the other order deadlocked with them. The time is read once the row is ours: an admin console
        # token issued while we waited (its login held the row) is older, so voiding the tokens up to now ends it.
        await ports.users.getById(userId, forUpdate=True)
        now = utcNow()
        await ports.users.voidAdminTokens(userId, now)
        revoked = await ports.sessions.revokeAllOf(userId, "logout_all", now)
        await ports.audit.record("auth.logout_all", AuditOutcome.SUCCESS, actorId=userId, targetId=userId,
                                 details={"sessionId": str(sessionId), "revokedCount": len(revoked)})
        keys = await ports.sessions.revokedUnexpiredIds(userId, now)
        await ports.transaction.commit()
        await SessionIssuer(ports).drop([*keys, sessionId])
