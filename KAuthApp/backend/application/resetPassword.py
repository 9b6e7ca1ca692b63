from __future__ import annotations

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.application.resetPasswordInput import ResetPasswordInput
from KAuthApp.backend.application.sessionIssuer import SessionIssuer
from KAuthApp.backend.application.verificationTokens import openToken, useToken
from KAuthApp.backend.domain.exceptions.authErrors import TokenInvalidOrUsedError
from KAuthApp.backend.domain.models.auditLog import AuditOutcome
from KAuthApp.backend.domain.models.oneTimeToken import TokenPurpose
from KAuthApp.backend.domain.models.user import UserStatus
from KAuthApp.backend.domain.passwordPolicy import checkPassword
from shared.backend.database.modelSupport import utcNow
from shared.backend.security.lockoutPolicy import clearFailures

ACTION = "auth.password_reset"


# Sets the new password, ends every session and admin console token, voids the user's other reset links and clears
# a temporary lockout. The link proves control of the mailbox, so a still-unverified address counts as verified.
# Every unexpired session's Redis key is deleted (as in LogoutAll).
class ResetPassword:
    def __init__(self, ports: AuthPorts) -> None:
        self.ports = ports

    async def execute(self, data: ResetPasswordInput) -> None:
        ports = self.ports
        try:
            entry, user = await openToken(ports, data.token, TokenPurpose.PASSWORD_RESET, utcNow())
        except TokenInvalidOrUsedError:
            await ports.transaction.rollback()
            await ports.audit.record(ACTION, AuditOutcome.FAILURE, details={"reason": "token_invalid_or_used"})
            await ports.transaction.commit()
            raise
        if user is None or user.deletedAt is not None or user.status == UserStatus.DISABLED.value:
            await ports.audit.record(ACTION, AuditOutcome.FAILURE, targetId=entry.userId,
                                     details={"reason": "account_unavailable"})
            await ports.transaction.commit()
            raise TokenInvalidOrUsedError()
        checkPassword(data.newPassword, user.email, "newPassword")
        now = utcNow()  # after the row lock, as in ChangePassword
        await useToken(ports, entry, now)
        user.passwordHash = await ports.hasher.hash(data.newPassword)
        clearFailures(user)
        if user.emailVerifiedAt is None:
            user.emailVerifiedAt = now
        if user.status == UserStatus.PENDING_VERIFICATION.value:
            user.status = UserStatus.ACTIVE.value
        user.updatedAt = now
        await ports.users.flush()
        revoked = await ports.sessions.revokeAllOf(user.id, "password_reset", now)
        await ports.users.voidAdminTokens(user.id, now)
        await ports.audit.record(ACTION, AuditOutcome.SUCCESS, actorId=user.id, targetId=user.id,
                                 details={"revokedSessions": len(revoked)})
        keys = await ports.sessions.revokedUnexpiredIds(user.id, now)
        # The keys go before the commit, the rows still locked (a racing restore or refresh meets the revocation
        # marker): a Redis failure then changes nothing and the same request can be retried (docs/decisions.md).
        await SessionIssuer(ports).drop(keys)
        await ports.transaction.commit()
