from __future__ import annotations

import uuid

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.domain.exceptions.authErrors import UserNotFoundError
from KAuthApp.backend.domain.models.user import User, UserStatus
from shared.backend.security.sessionStore import SessionRevokedError


# The caller's account, its row locked, for a change made on the strength of the caller's session. The access token
# was checked before the row was ours: an admin's lock, disable or revocation, a password reset or a logout-all that
# committed meanwhile ended the session, and the change is refused as the token check now would. Each of them writes
# the user row before the sessions, so under this lock it has either committed or not begun.
async def lockSignedInUser(ports: AuthPorts, userId: uuid.UUID, sessionId: uuid.UUID) -> User:
    user = await ports.users.getById(userId, forUpdate=True)
    if user is None or user.deletedAt is not None:
        raise UserNotFoundError()
    session = await ports.sessions.getById(sessionId)
    if user.status != UserStatus.ACTIVE.value or session is None or session.userId != userId \
            or session.revokedAt is not None:
        raise SessionRevokedError()
    return user
