from __future__ import annotations

from KAuthApp.backend.application.acceptedOutput import AcceptedOutput
from KAuthApp.backend.application.authMails import verificationMail
from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.application.emailInput import EmailInput
from KAuthApp.backend.application.verificationTokens import issueToken
from KAuthApp.backend.domain.models.auditLog import AuditOutcome
from KAuthApp.backend.domain.models.oneTimeToken import TokenPurpose
from KAuthApp.backend.domain.models.user import UserStatus
from shared.backend.database.modelSupport import utcNow
from shared.backend.security.emailAddress import normalizeEmail

ACTION = "auth.verification_resend"
ACCEPTED = AcceptedOutput(
    status="accepted", message="If an unverified account uses this address, a new link is on its way."
)


class ResendVerification:
    def __init__(self, ports: AuthPorts) -> None:
        self.ports = ports

    async def execute(self, data: EmailInput) -> AcceptedOutput:
        ports, now = self.ports, utcNow()
        email = normalizeEmail(str(data.email))
        user = await ports.users.getByEmail(email, forUpdate=True)
        pending = user is not None and user.deletedAt is None and user.emailVerifiedAt is None \
            and user.status == UserStatus.PENDING_VERIFICATION.value
        if user is None or not pending:
            await ports.audit.record(ACTION, AuditOutcome.FAILURE, targetId=user.id if user else None,
                                     details={"reason": "not_pending"})
            await ports.transaction.commit()
            return ACCEPTED
        ttl = ports.settings.auth.verificationTtlSeconds
        token = await issueToken(ports, user, TokenPurpose.EMAIL_VERIFICATION, ttl, now)
        await ports.audit.record(ACTION, AuditOutcome.SUCCESS, targetId=user.id)
        await ports.transaction.commit()
        await ports.mailer.send(verificationMail(email, ports.settings.gateway.publicBaseUrl, token, ttl))
        return ACCEPTED
