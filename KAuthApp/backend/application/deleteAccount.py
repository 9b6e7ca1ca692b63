from __future__ import annotations

import uuid
from datetime import datetime

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.application.deleteAccountInput import DeleteAccountInput
from KAuthApp.backend.application.reauthentication import Reauthentication
from KAuthApp.backend.application.secondFactor import verifySecondFactor
from KAuthApp.backend.application.sessionIssuer import SessionIssuer
from KAuthApp.backend.application.signedInUser import lockSignedInUser
from KAuthApp.backend.domain.exceptions.authErrors import (
    AdminAccountError,
    InvalidMfaCodeError,
    PaymentsPendingError,
    PaymentsUnsettledError,
)
from KAuthApp.backend.domain.interfaces.accountErasureInterface import AccountErasureInterface
from KAuthApp.backend.domain.models.auditLog import AuditOutcome
from KAuthApp.backend.domain.models.user import User, UserStatus
from shared.backend.database.modelSupport import utcNow
from shared.backend.security.lockoutPolicy import clearFailures

ACTION = "auth.account_deleted"
# Not an Argon2 hash: every verify of it fails.
UNUSABLE_HASH = "!deleted"


# Unique and never deliverable (RFC 2606's .invalid); the real address is free for a new account.
def placeholderEmail(userId: uuid.UUID) -> str:
    return f"deleted-{userId}@invalid"


# The personal data goes; the id stays for the payments and audit entries that name it. deleted_at marks the account
# gone for every path that looks one up (login, refresh, reset, verification, the session key's restore).
def erase(user: User, now: datetime) -> None:
    clearFailures(user)
    user.status = UserStatus.DELETED.value
    user.deletedAt = now
    user.email = placeholderEmail(user.id)
    user.displayName = None
    user.phoneEncrypted = None
    user.passwordHash = UNUSABLE_HASH
    user.mfaEnabled = False
    user.totpSecretEncrypted = None
    user.totpLastUsedStep = None
    user.updatedAt = now


# Erasure by pseudonymization (docs/decisions.md), on the same proof as MFA disable: the password, and a code or a
# recovery code when TOTP is on; wrong ones count toward the login lockout. An admin role, a pending payment or an
# unsettled one (a closed QR BRI may still take, an open flag) refuses it first, read only: nothing is counted, spent
# or written. Every session ends as in LogoutAll, the Redis keys dropped before the commit as in ChangePassword (a
# Redis failure changes nothing and the request can be retried).
class DeleteAccount:
    def __init__(self, ports: AuthPorts, erasure: AccountErasureInterface) -> None:
        self.ports = ports
        self.erasure = erasure

    async def execute(self, userId: uuid.UUID, sessionId: uuid.UUID, data: DeleteAccountInput) -> None:
        ports = self.ports
        user = await lockSignedInUser(ports, userId, sessionId)
        # Read once the row is ours, as in ChangePassword: a console token issued while we waited is voided too.
        now = utcNow()
        reauthentication = Reauthentication(ports, ACTION)
        await reauthentication.refuseIfLocked(user, now)
        # An admin's roles change only through the console, under its roles lock, which keeps an active superadmin.
        if await self.erasure.holdsAdminRole(userId):
            raise AdminAccountError()
        if await self.erasure.hasPendingPayments(userId):
            raise PaymentsPendingError()
        if await self.erasure.hasUnsettledPayments(userId):
            raise PaymentsUnsettledError()
        await reauthentication.checkPassword(user, data.password, now)
        method = "password"
        if user.mfaEnabled:
            try:
                method = await verifySecondFactor(ports, user, data.code, data.recoveryCode, now)
            except InvalidMfaCodeError as error:
                await reauthentication.fail(user, "invalid_mfa_code", error)
        erase(user, now)
        await ports.users.flush()
        await ports.recoveryCodes.deleteAll(userId)
        await self.erasure.deleteOneTimeTokens(userId)
        await self.erasure.removeRoles(userId)
        await ports.users.voidAdminTokens(userId, now)
        revoked = await ports.sessions.revokeAllOf(userId, "account_deleted", now)
        await ports.audit.record(ACTION, AuditOutcome.SUCCESS, actorId=userId, targetId=userId,
                                 details={"method": method, "revokedSessions": len(revoked)})
        keys = await ports.sessions.revokedUnexpiredIds(userId, now)
        await self.erasure.scrubSessions(userId)
        await SessionIssuer(ports).drop(keys)
        await ports.transaction.commit()
