from __future__ import annotations

from KAuthApp.backend.application.acceptedOutput import AcceptedOutput
from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.application.tokenInput import TokenInput
from KAuthApp.backend.application.verificationTokens import openToken, useToken
from KAuthApp.backend.domain.exceptions.authErrors import TokenInvalidOrUsedError
from KAuthApp.backend.domain.models.auditLog import AuditOutcome
from KAuthApp.backend.domain.models.oneTimeToken import TokenPurpose
from KAuthApp.backend.domain.models.user import UserStatus
from shared.backend.database.modelSupport import utcNow

ACTION = "auth.verify_email"


class VerifyEmail:
    def __init__(self, ports: AuthPorts) -> None:
        self.ports = ports

    async def execute(self, data: TokenInput) -> AcceptedOutput:
        ports, now = self.ports, utcNow()
        try:
            entry, user = await openToken(ports, data.token, TokenPurpose.EMAIL_VERIFICATION, now)
        except TokenInvalidOrUsedError:
            await ports.transaction.rollback()
            await ports.audit.record(ACTION, AuditOutcome.FAILURE, details={"reason": "token_invalid_or_used"})
            await ports.transaction.commit()
            raise
        userId = entry.userId
        if user is None or user.deletedAt is not None:
            # A deleted account is never activated; the token stays unused.
            await ports.transaction.rollback()
            await ports.audit.record(ACTION, AuditOutcome.FAILURE, targetId=userId,
                                     details={"reason": "account_deleted"})
            await ports.transaction.commit()
            raise TokenInvalidOrUsedError()
        await useToken(ports, entry, now)
        if user.emailVerifiedAt is None:
            user.emailVerifiedAt = now
        if user.status == UserStatus.PENDING_VERIFICATION.value:
            user.status = UserStatus.ACTIVE.value
        user.updatedAt = now
        await ports.audit.record(ACTION, AuditOutcome.SUCCESS, actorId=user.id, targetId=user.id)
        await ports.transaction.commit()
        return AcceptedOutput(status="verified", message="Your email address is confirmed; you can sign in.")
