from __future__ import annotations

from KAuthApp.backend.application.acceptedOutput import AcceptedOutput
from KAuthApp.backend.application.authMails import alreadyRegisteredMail, verificationMail
from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.application.registerInput import RegisterInput
from KAuthApp.backend.application.verificationTokens import issueToken
from KAuthApp.backend.domain.exceptions.authErrors import DuplicateEmailError
from KAuthApp.backend.domain.models.auditLog import AuditOutcome
from KAuthApp.backend.domain.models.oneTimeToken import TokenPurpose
from KAuthApp.backend.domain.models.role import RoleName
from KAuthApp.backend.domain.models.user import User, UserStatus
from KAuthApp.backend.domain.passwordPolicy import checkPassword
from shared.backend.database.modelSupport import utcNow
from shared.backend.security.emailAddress import normalizeEmail

ACTION = "auth.register"
ACCEPTED = AcceptedOutput(
    status="verification_sent",
    message="If this address can be registered, a verification link is on its way. Check your inbox.",
)


# Answers the same whether or not the email is taken (see docs/decisions.md); the owner of an
# existing account gets a notice by mail instead of a second verification link.
class RegisterUser:
    def __init__(self, ports: AuthPorts) -> None:
        self.ports = ports

    async def execute(self, data: RegisterInput) -> AcceptedOutput:
        ports, now = self.ports, utcNow()
        email = normalizeEmail(str(data.email))
        checkPassword(data.password, email)
        passwordHash = await ports.hasher.hash(data.password)
        existing = await ports.users.getByEmail(email)
        if existing is None:
            user = User(email=email, passwordHash=passwordHash, status=UserStatus.PENDING_VERIFICATION.value,
                        displayName=data.displayName, createdAt=now, updatedAt=now)
            try:
                await ports.users.addUser(user)
            except DuplicateEmailError:
                await ports.transaction.rollback()
                return await self.alreadyRegistered(email, data, passwordHash)
            await ports.users.grantRole(user.id, RoleName.USER.value)
            ttl = ports.settings.auth.verificationTtlSeconds
            token = await issueToken(ports, user, TokenPurpose.EMAIL_VERIFICATION, ttl, now)
            await ports.audit.record(ACTION, AuditOutcome.SUCCESS, actorId=user.id, targetId=user.id)
            await ports.transaction.commit()
            await ports.mailer.send(verificationMail(email, ports.settings.gateway.publicBaseUrl, token, ttl))
            return ACCEPTED
        return await self.alreadyRegistered(email, data, passwordHash)

    # A verified owner gets a notice. A still-unverified account takes this registration's password and
    # name with a fresh link, and its earlier links are voided, even should the new mail fail: they were sent for
    # another password, so whoever proves the mailbox gets the password of the registration that sent the only
    # valid link, never one set by someone before them.
    async def alreadyRegistered(self, email: str, data: RegisterInput, passwordHash: str) -> AcceptedOutput:
        ports, now = self.ports, utcNow()
        existing = await ports.users.getByEmail(email, forUpdate=True)
        pending = existing is not None and existing.emailVerifiedAt is None and existing.deletedAt is None \
            and existing.status == UserStatus.PENDING_VERIFICATION.value
        token = None
        if existing is not None and pending:
            existing.passwordHash, existing.displayName, existing.updatedAt = passwordHash, data.displayName, now
            await ports.tokens.invalidateOpen(existing.id, TokenPurpose.EMAIL_VERIFICATION.value, now)
            token = await issueToken(ports, existing, TokenPurpose.EMAIL_VERIFICATION,
                                     ports.settings.auth.verificationTtlSeconds, now)
        await ports.audit.record(ACTION, AuditOutcome.FAILURE, targetId=existing.id if existing else None,
                                 details={"reason": "email_taken", "pending": pending})
        await ports.transaction.commit()
        baseUrl = ports.settings.gateway.publicBaseUrl
        if token is not None:
            await ports.mailer.send(verificationMail(email, baseUrl, token, ports.settings.auth.verificationTtlSeconds))
        else:
            await ports.mailer.send(alreadyRegisteredMail(email, baseUrl))
        return ACCEPTED
