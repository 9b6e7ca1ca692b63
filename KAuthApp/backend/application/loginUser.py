from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import NoReturn

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.application.loginInput import LoginInput
from KAuthApp.backend.application.reauthentication import countedFailure
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
from KAuthApp.backend.domain.loginSnapshot import LoginSnapshot
from KAuthApp.backend.domain.models.auditLog import AuditOutcome
from KAuthApp.backend.domain.models.user import User, UserStatus
from shared.backend.database.modelSupport import utcNow
from shared.backend.exceptions.domainError import DomainError
from shared.backend.security.attemptedEmail import attemptedEmailDetails
from shared.backend.security.emailAddress import lookupEmail
from shared.backend.security.lockoutPolicy import LockoutRule, clearFailures, failureCount, lockRemainingSeconds
from shared.backend.security.passwordHasher import PasswordCheck

ACTION = "auth.login"


# The hash a login verified its password against (None: the dummy hash), and the answer.
@dataclass(frozen=True, slots=True)
class CheckedPassword:
    passwordHash: str | None
    outcome: PasswordCheck


class LoginUser:
    def __init__(self, ports: AuthPorts) -> None:
        self.ports = ports
        self.rule = LockoutRule.of(ports.settings.auth)

    # One Argon2 check per attempt (two runs for a password not in NFKC form that fails it), before any row is locked.
    # The usual success (a password suffices, no rehash due) then takes one statement; anything else, a rehash
    # included, is settled in a transaction on the locked row.
    async def execute(self, data: LoginInput) -> IssuedSession:
        ports, now = self.ports, utcNow()
        email = lookupEmail(data.email)
        snapshot = await ports.logins.snapshot(email)
        usable = snapshot if snapshot is not None and snapshot.deletedAt is None \
            and lockRemainingSeconds(snapshot, now) is None else None
        passwordHash = usable.passwordHash if usable is not None else None
        # Same Argon2 cost for an unknown, deleted or locked account as for a wrong password (a dummy hash).
        checked = CheckedPassword(passwordHash, await ports.hasher.check(passwordHash, data.password))
        if usable is not None and checked.outcome.matched and usable.passwordSuffices() and not checked.outcome.rehash:
            issued = await self.openAtOnce(usable, data, now)
            if issued is not None:
                return issued
        return await self.settle(email, data, checked, now)

    async def openAtOnce(self, snapshot: LoginSnapshot, data: LoginInput, now: datetime) -> IssuedSession | None:
        issuer = SessionIssuer(self.ports)
        session, refreshToken = issuer.draft(snapshot.id, data.deviceFingerprint, now)
        issued = issuer.issue(session, snapshot.roles, refreshToken, now)
        audit = self.ports.audit.entry(ACTION, AuditOutcome.SUCCESS, actorId=snapshot.id, targetId=snapshot.id,
                                       details={"sessionId": str(session.id), "method": "password"})
        opened = await issuer.publishBefore(session, issued, partial(self.ports.logins.openSession,
                                                                     snapshot.passwordHash, now, session, audit))
        if opened is None:
            await issuer.discard(session)
            return None  # changed since the snapshot: settled on the locked row
        self.ports.audit.announce(audit)
        return issued

    async def settle(self, email: str, data: LoginInput, checked: CheckedPassword, now: datetime) -> IssuedSession:
        ports = self.ports
        found = await ports.users.lockForLogin(email)
        user, roles = found if found is not None else (None, [])
        if user is None or user.deletedAt is not None:
            await self.refuse(None, "unknown_account", InvalidCredentialsError(),
                              attemptedEmailDetails(email, ports.settings.crypto))
        remaining = lockRemainingSeconds(user, now)
        if remaining is not None:
            await self.refuse(user, "locked_out", AccountLockedError(remaining), {"retryAfter": remaining})
        outcome = await self.passwordCheck(user, data.password, checked)
        if not outcome.matched:
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
        if outcome.rehash:
            user.passwordHash = await ports.hasher.hash(data.password)
        issuer = SessionIssuer(ports)
        session, refreshToken = issuer.open(user, data.deviceFingerprint, now)
        await ports.audit.record(ACTION, AuditOutcome.SUCCESS, actorId=user.id, targetId=user.id,
                                 details={"sessionId": str(session.id), "method": method})
        # The key first, the row still locked: if Redis fails, the code stays unspent and nothing is counted.
        issued = issuer.issue(session, roles, refreshToken, now)
        await issuer.publishBefore(session, issued, ports.transaction.commit)
        return issued

    # The answer of the Argon2 run already made, unless the row's hash changed since (then hashed again).
    async def passwordCheck(self, user: User, password: str, checked: CheckedPassword) -> PasswordCheck:
        if checked.passwordHash == user.passwordHash:
            return checked.outcome
        return await self.ports.hasher.check(user.passwordHash, password)

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
        error = await countedFailure(self.ports, self.rule, user, reason, error)
        await self.refuse(user, reason, error, {"failedLoginCount": failureCount(user)})

    # A refused login keeps its side effects (failure count, lock) and an audit entry, then raises.
    async def refuse(self, user: User | None, reason: str, error: DomainError, details: dict[str, object]) -> NoReturn:
        await self.ports.users.flush()
        await self.ports.audit.record(ACTION, AuditOutcome.FAILURE, targetId=user.id if user else None,
                                      details={"reason": reason, "code": error.code, **details})
        await self.ports.transaction.commit()
        raise error
