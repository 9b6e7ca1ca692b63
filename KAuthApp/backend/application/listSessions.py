from __future__ import annotations

import uuid

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.application.sessionIssuer import sessionEnd
from KAuthApp.backend.application.sessionOutput import SessionListOutput, SessionOutput
from shared.backend.database.modelSupport import utcNow


class ListSessions:
    def __init__(self, ports: AuthPorts) -> None:
        self.ports = ports

    async def execute(self, userId: uuid.UUID, currentSessionId: uuid.UUID) -> SessionListOutput:
        sessions = await self.ports.sessions.listActive(userId, utcNow())
        return SessionListOutput(sessions=[
            SessionOutput(id=session.id, deviceFingerprint=session.deviceFingerprint, userAgent=session.userAgent,
                          ip=session.ip, createdAt=session.createdAt, lastUsedAt=session.lastUsedAt,
                          expiresAt=sessionEnd(session), current=session.id == currentSessionId)
            for session in sessions
        ])
