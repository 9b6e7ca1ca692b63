from __future__ import annotations

from datetime import datetime
from typing import NoReturn

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.domain.exceptions.authErrors import AccountLockedError, WrongPasswordError
from KAuthApp.backend.domain.models.auditLog import AuditOutcome
from KAuthApp.backend.domain.models.user import User
from shared.backend.database.modelSupport import utcNow
from shared.backend.exceptions.domainError import DomainError
from shared.backend.security.lockoutPolicy import LockoutRule, failureCount, lockRemainingSeconds, registerFailure


# Counts one failed proof (password or code) on the locked user row; when it locks the account, audits
# `auth.lockout` and returns AccountLockedError in place of the given error.
async def countedFailure(ports: AuthPorts, rule: LockoutRule, user: User, reason: str,
                         error: DomainError) -> DomainError:
    now = utcNow()
    if not registerFailure(user, now, rule):
        return error
    await ports.audit.record("auth.lockout", AuditOutcome.SUCCESS, targetId=user.id,
                             details={"lockedUntil": user.lockedUntil.isoformat() if user.lockedUntil else None,
                                      "reason": reason})
    return AccountLockedError(lockRemainingSeconds(user, now))


# Proofs asked again inside a signed-in session (password change, MFA setup and disable): refused while the
# account is locked, and every failure counts toward the login lockout. Each refusal commits its failure
# count and audit entry (under `action`) before raising. The user row must be locked.
class Reauthentication:
    def __init__(self, ports: AuthPorts, action: str) -> None:
        self.ports = ports
        self.action = action
        self.rule = LockoutRule.of(ports.settings.auth)

    async def refuseIfLocked(self, user: User, now: datetime) -> None:
        remaining = lockRemainingSeconds(user, now)
        if remaining is not None:
            await self.refuse(user, "locked_out", AccountLockedError(remaining))

    # `rehash`: a right password whose stored hash is due (older Argon2 parameters, or stored before passwords were
    # normalized) is hashed again, as a login does; a password change or an account deletion replaces it anyway.
    async def checkPassword(self, user: User, password: str, now: datetime,
                            wrong: DomainError | None = None, *, rehash: bool = False) -> None:
        await self.refuseIfLocked(user, now)
        checked = await self.ports.hasher.check(user.passwordHash, password)
        if not checked.matched:
            await self.fail(user, "wrong_password", wrong or WrongPasswordError())
        if rehash and checked.rehash:
            user.passwordHash = await self.ports.hasher.hash(password)

    async def fail(self, user: User, reason: str, error: DomainError) -> NoReturn:
        await self.refuse(user, reason, await countedFailure(self.ports, self.rule, user, reason, error))

    async def refuse(self, user: User, reason: str, error: DomainError) -> NoReturn:
        ports = self.ports
        await ports.users.flush()
        await ports.audit.record(self.action, AuditOutcome.FAILURE, actorId=user.id, targetId=user.id,
                                 details={"reason": reason, "code": error.code,
                                          "failedLoginCount": failureCount(user)})
        await ports.transaction.commit()
        raise error
