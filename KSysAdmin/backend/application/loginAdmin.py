from __future__ import annotations

from datetime import datetime
from typing import NoReturn

from KSysAdmin.backend.application.auditTrail import AuditTrail
from KSysAdmin.backend.application.loginInput import LoginInput
from KSysAdmin.backend.application.tokenOutput import TokenOutput
from KSysAdmin.backend.domain.adminPrincipal import RequestContext, holdsAdminRole
from KSysAdmin.backend.domain.exceptions.adminErrors import InvalidCredentialsError, MfaEnrollmentRequiredError
from KSysAdmin.backend.domain.interfaces.transactionInterface import TransactionInterface
from KSysAdmin.backend.domain.interfaces.userRepositoryInterface import UserRepositoryInterface
from KSysAdmin.backend.domain.models.auditLog import ActorType, AuditOutcome
from KSysAdmin.backend.domain.models.user import User, UserStatus
from KSysAdmin.backend.domain.userStatusPolicy import isTemporarilyLocked
from shared.backend.config.secretSettings import CryptoSettings
from shared.backend.database.modelSupport import utcNow
from shared.backend.exceptions.domainError import DomainError
from shared.backend.security.attemptedEmail import attemptedEmailDetails
from shared.backend.security.jwtCodec import JwtCodec
from shared.backend.security.lockoutPolicy import LockoutRule, clearFailures, failureCount, registerFailure
from shared.backend.security.passwordHasher import PasswordHasher
from shared.backend.security.secondFactor import RecoveryCodeConsumer, SecretDecrypter, checkSecondFactor
from shared.backend.security.secondFactorErrors import InvalidMfaCodeError, MfaRequiredError
from shared.backend.utils.uuid import generateId

ACTION = "admin.login"


class LoginAdmin:
    def __init__(
        self,
        users: UserRepositoryInterface,
        audit: AuditTrail,
        transaction: TransactionInterface,
        hasher: PasswordHasher,
        codec: JwtCodec,
        audience: str,
        ttlSeconds: int,
        lockout: LockoutRule,
        cipher: SecretDecrypter,
        recoveryCodes: RecoveryCodeConsumer,
        requireMfa: bool,
        crypto: CryptoSettings,
    ) -> None:
        self.users = users
        self.audit = audit
        self.transaction = transaction
        self.hasher = hasher
        self.codec = codec
        self.audience = audience
        self.ttlSeconds = ttlSeconds
        self.lockout = lockout
        self.cipher = cipher
        self.recoveryCodes = recoveryCodes
        self.requireMfa = requireMfa
        self.crypto = crypto

    async def execute(self, data: LoginInput, context: RequestContext) -> TokenOutput:
        now = utcNow()
        # PostgreSQL text holds no NUL, so no account has one: refused as unknown, not sent (a 422 left unaudited).
        user = None if "\x00" in data.email else await self.users.getByEmail(data.email, forUpdate=True)
        if user is None or user.deletedAt is not None:
            await self.hasher.verify(None, data.password)
            await self.refuse(context, None, "unknown_account", attemptedEmailDetails(data.email, self.crypto))
        if isTemporarilyLocked(user.lockedUntil, now):
            # Same cost as a real check, and no count: the lock ends on its own.
            await self.hasher.verify(None, data.password)
            await self.refuse(context, user, "locked_out", {})
        checked = await self.hasher.check(user.passwordHash, data.password)
        if not checked.matched:
            await self.countFailure(context, user, "wrong_password", now, InvalidCredentialsError())
        roles = await self.users.rolesOf(user.id)
        if user.status != UserStatus.ACTIVE.value:
            await self.refuse(context, user, f"status_{user.status}", {})
        if not holdsAdminRole(roles):
            await self.refuse(context, user, "not_admin", {})
        method = await self.secondFactor(context, user, data, now)
        clearFailures(user)
        if checked.rehash:
            user.passwordHash = await self.hasher.hash(data.password)
        sessionId = str(generateId())
        token, claims = self.codec.issue(str(user.id), sessionId, sorted(roles), self.audience, self.ttlSeconds)
        await self.audit.record(context, None, ACTION, AuditOutcome.SUCCESS, "user", user.id,
                                {"sessionId": sessionId, "roles": sorted(roles), "method": method}, actorId=user.id)
        await self.transaction.commit()
        return TokenOutput(accessToken=token, expiresIn=claims.expiresAt - claims.issuedAt, roles=sorted(roles))

    # After the password, status and role checks: an account with MFA on also needs a TOTP or recovery code; one
    # without is refused while AUTH_ADMIN_REQUIRE_MFA holds (no failure counted: the password was right).
    async def secondFactor(self, context: RequestContext, user: User, data: LoginInput, now: datetime) -> str:
        if not user.mfaEnabled:
            if self.requireMfa:
                await self.refuse(context, user, "mfa_not_enrolled", {}, MfaEnrollmentRequiredError())
            return "password"
        if not data.totpCode and not data.recoveryCode:
            await self.refuse(context, user, "mfa_required", {}, MfaRequiredError())
        method = await checkSecondFactor(self.cipher, self.recoveryCodes, user, data.totpCode, data.recoveryCode, now)
        if method is None:
            await self.countFailure(context, user, "invalid_mfa_code", now, InvalidMfaCodeError())
        return method

    # A wrong password or code counts toward the lockout; the failure that locks the account is audited.
    async def countFailure(
        self, context: RequestContext, user: User, reason: str, now: datetime, error: DomainError
    ) -> NoReturn:
        if registerFailure(user, now, self.lockout):
            await self.audit.record(context, None, "auth.lockout", AuditOutcome.SUCCESS, "user", user.id,
                                    {"lockedUntil": user.lockedUntil.isoformat() if user.lockedUntil else None,
                                     "reason": reason}, actorType=ActorType.SYSTEM)
        await self.refuse(context, user, reason, {"failedLoginCount": failureCount(user)}, error)

    # Failed logins keep their side effects (failure count, lock) and an audit entry, then answer 401.
    async def refuse(
        self, context: RequestContext, user: User | None, reason: str, details: dict[str, object],
        error: DomainError | None = None,
    ) -> NoReturn:
        await self.users.flush()
        await self.audit.record(context, None, ACTION, AuditOutcome.FAILURE, "user", user.id if user else None,
                                {"reason": reason, **details})
        await self.transaction.commit()
        raise error or InvalidCredentialsError()
