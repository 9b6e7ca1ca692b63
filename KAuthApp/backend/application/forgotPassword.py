from __future__ import annotations

from KAuthApp.backend.application.acceptedOutput import AcceptedOutput
from KAuthApp.backend.application.authMails import resetMail
from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.application.emailInput import EmailInput
from KAuthApp.backend.application.verificationTokens import issueToken
from KAuthApp.backend.domain.models.auditLog import AuditOutcome
from KAuthApp.backend.domain.models.oneTimeToken import TokenPurpose
from KAuthApp.backend.domain.models.user import UserStatus
from shared.backend.database.modelSupport import utcNow
from shared.backend.security.emailAddress import normalizeEmail

ACTION = "auth.password_reset_request"
ACCEPTED = AcceptedOutput(
    status="accepted", message="If an account uses this address, a password reset link is on its way."
)


# Always the same 202 body; the mail goes out after the response (DeferredMailer).
class ForgotPassword:
    def __init__(self, ports: AuthPorts) -> None:
        self.ports = ports

    async def execute(self, data: EmailInput) -> AcceptedOutput:
        ports, now = self.ports, utcNow()
        email = normalizeEmail(str(data.email))
        user = await ports.users.getByEmail(email, forUpdate=True)
        if user is None or user.deletedAt is not None or user.status == UserStatus.DISABLED.value:
            await ports.audit.record(ACTION, AuditOutcome.FAILURE, targetId=user.id if user else None,
                                     details={"reason": "unknown_or_disabled"})
            await ports.transaction.commit()
            return ACCEPTED
        ttl = ports.settings.auth.resetTtlSeconds
        token = await issueToken(ports, user, TokenPurpose.PASSWORD_RESET, ttl, now)
        await ports.audit.record(ACTION, AuditOutcome.SUCCESS, targetId=user.id)
        await ports.transaction.commit()
        await ports.mailer.send(resetMail(email, ports.settings.gateway.publicBaseUrl, token, ttl))
        return ACCEPTED
