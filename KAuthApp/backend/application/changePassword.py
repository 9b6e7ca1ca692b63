from __future__ import annotations

import uuid

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.application.changePasswordInput import ChangePasswordInput
from KAuthApp.backend.application.reauthentication import Reauthentication
from KAuthApp.backend.application.sessionIssuer import SessionIssuer
from KAuthApp.backend.application.signedInUser import lockSignedInUser
from KAuthApp.backend.domain.exceptions.authErrors import WrongPasswordError
from KAuthApp.backend.domain.models.auditLog import AuditOutcome
from KAuthApp.backend.domain.models.oneTimeToken import TokenPurpose
from KAuthApp.backend.domain.passwordPolicy import checkPassword
from shared.backend.database.modelSupport import utcNow
from shared.backend.security.lockoutPolicy import clearFailures

ACTION = "auth.password_change"


# Needs the current password (counted like a login's). Every other session of the user ends and its Redis
# key is deleted (as in LogoutAll); the current one stays; open password-reset links and the admin console's
# tokens are voided. The new password's policy is checked first, so the answer never tells whether a guess
# was right.
class ChangePassword:
    def __init__(self, ports: AuthPorts) -> None:
        self.ports = ports

    async def execute(self, userId: uuid.UUID, sessionId: uuid.UUID, data: ChangePasswordInput) -> None:
        ports = self.ports
        user = await lockSignedInUser(ports, userId, sessionId)
        # Read once the row is ours: an admin console token issued while we waited (its login held the row) is
        # older, so voiding the tokens "up to now" ends it.
        now = utcNow()
        checkPassword(data.newPassword, user.email, "newPassword")
        await Reauthentication(ports, ACTION).checkPassword(user, data.currentPassword, now,
                                                            WrongPasswordError("The current password is wrong"))
        clearFailures(user)
        user.passwordHash = await ports.hasher.hash(data.newPassword)
        user.updatedAt = now
        await ports.users.flush()
        # A reset link mailed before the change would otherwise still set a password of its holder's choice.
        await ports.tokens.invalidateOpen(userId, TokenPurpose.PASSWORD_RESET.value, now)
        revoked = await ports.sessions.revokeAllOf(userId, "password_changed", now, keep=sessionId)
        await ports.users.voidAdminTokens(userId, now)
        await ports.audit.record(ACTION, AuditOutcome.SUCCESS, actorId=userId, targetId=userId,
                                 details={"revokedSessions": len(revoked)})
        keys = await ports.sessions.revokedUnexpiredIds(userId, now, keep=sessionId)
        # The keys go before the commit, the rows still locked (a racing restore or refresh meets the revocation
        # marker): a Redis failure then changes nothing and the same request can be retried (docs/decisions.md).
        await SessionIssuer(ports).drop(keys)
        await ports.transaction.commit()
