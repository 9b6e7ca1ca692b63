from __future__ import annotations

from typing import NoReturn

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.application.loginInput import LoginInput
from KAuthApp.backend.application.secondFactor import verifySecondFactor
from KAuthApp.backend.application.sessionIssuer import IssuedSession, SessionIssuer
from KAuthApp.backend.domain.exceptions.authErrors import (
    AccountDisabledError,
    AccountLockedError,
    EmailNotVerifiedError,
    InvalidCredentialsError,
    InvalidMfaCodeError,
    MfaRequiredError,
)
from KAuthApp.backend.domain.models.auditLog import AuditOutcome
from KAuthApp.backend.domain.models.user import User, UserStatus
from shared.backend.database.modelSupport import utcNow
from shared.backend.exceptions.domainError import DomainError
from shared.backend.security.lockoutPolicy import LockoutRule, clearFailures, lockRemainingSeconds, registerFailure

ACTION = "auth.login"


class LoginUser:
    def __init__(self, ports: AuthPorts) -> None:
        self.ports = ports
        auth = ports.settings.auth
        self.rule = LockoutRule(auth.lockoutThreshold, auth.lockoutWindowSeconds, auth.lockoutDurationSeconds)

    async def execute(self, data: LoginInput) -> IssuedSession:
        ports, now = self.ports, utcNow()
        email = data.email.strip().lower()
        found = await ports.users.lockForLogin(email)
        user, roles = found if found is not None else (None, [])
        if user is None or user.deletedAt is not None:
            # Same Argon2 cost, status, code and body as a wrong password: no account enumeration.
            await ports.hasher.verify(None, data.password)
            await self.refuse(None, "unknown_account", InvalidCredentialsError(), {"email": email})
        remaining = lockRemainingSeconds(user, now)
        if remaining is not None:
            await ports.hasher.verify(None, data.password)
            await self.refuse(user, "locked_out", AccountLockedError(remaining), {"retryAfter": remaining})
        if not await ports.hasher.verify(user.passwordHash, data.password):
            await self.countFailure(user, "wrong_password", InvalidCredentialsError())
        statusError = self.statusError(user)
        if statusError is not None:
            await self.refuse(user, f"status_{user.status}", statusError, {})
        if user.mfaEnabled:
            if not data.totpCode and not data.recoveryCode:
                await self.refuse(user, "mfa_required", MfaRequiredError(), {})
            try:
                method = await verifySecondFactor(ports, user, data.totpCode, data.recoveryCode, now)
            except InvalidMfaCodeError as error:
                await self.countFailure(user, "invalid_mfa_code", error)
        else:
            method = "password"
        clearFailures(user)
        if ports.hasher.needsRehash(user.passwordHash):
            user.passwordHash = await ports.hasher.hash(data.password)
        issuer = SessionIssuer(ports)
        session, refreshToken = issuer.open(user, data.deviceFingerprint, now)
        await ports.audit.record(ACTION, AuditOutcome.SUCCESS, actorId=user.id, targetId=user.id,
                                 details={"sessionId": str(session.id), "method": method})
        await ports.transaction.commit()
        await issuer.publish(session, roles, now)
        return issuer.issue(session, roles, refreshToken, now)

    # Only told after a correct password, so statuses reveal nothing to a guesser.
    def statusError(self, user: User) -> DomainError | None:
        if user.status == UserStatus.DISABLED.value:
            return AccountDisabledError()
        if user.status == UserStatus.LOCKED.value:
            return AccountLockedError()
        if user.status == UserStatus.PENDING_VERIFICATION.value or user.emailVerifiedAt is None:
            return EmailNotVerifiedError()
        return None

    async def countFailure(self, user: User, reason: str, error: DomainError) -> NoReturn:
        now = utcNow()
        if registerFailure(user, now, self.rule):
            remaining = lockRemainingSeconds(user, now)
            await self.ports.audit.record("auth.lockout", AuditOutcome.SUCCESS, targetId=user.id,
                                          details={"lockedUntil": user.lockedUntil.isoformat() if user.lockedUntil
                                                   else None, "reason": reason})
            error = AccountLockedError(remaining)
        await self.refuse(user, reason, error, {"failedLoginCount": user.failedLoginCount})

    # A refused login keeps its side effects (failure count, lock) and an audit entry, then raises.
    async def refuse(self, user: User | None, reason: str, error: DomainError, details: dict[str, object]) -> NoReturn:
        await self.ports.users.flush()
        await self.ports.audit.record(ACTION, AuditOutcome.FAILURE, targetId=user.id if user else None,
                                      details={"reason": reason, "code": error.code, **details})
        await self.ports.transaction.commit()
        raise error
