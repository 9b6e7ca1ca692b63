from __future__ import annotations

import uuid

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.application.reauthentication import Reauthentication
from KAuthApp.backend.application.secondFactor import verifySecondFactor
from KAuthApp.backend.application.signedInUser import lockSignedInUser
from KAuthApp.backend.application.totpInputs import TotpDisableInput
from KAuthApp.backend.domain.exceptions.authErrors import InvalidMfaCodeError, MfaNotEnabledError
from KAuthApp.backend.domain.models.auditLog import AuditOutcome
from shared.backend.database.modelSupport import utcNow
from shared.backend.security.lockoutPolicy import clearFailures

ACTION = "auth.mfa_disable"


# Needs the password and a current code (or a recovery code); wrong ones count toward the login lockout. The admin
# console's tokens end for good: a console requiring TOTP refuses them only while it is off, and turning it on again
# (a new authenticator) would otherwise bring back a token the old factor earned.
class DisableTotp:
    def __init__(self, ports: AuthPorts) -> None:
        self.ports = ports

    async def execute(self, userId: uuid.UUID, sessionId: uuid.UUID, data: TotpDisableInput) -> None:
        ports = self.ports
        user = await lockSignedInUser(ports, userId, sessionId)
        # Read once the row is ours, as in ChangePassword: a console token issued while we waited is voided too.
        now = utcNow()
        if not user.mfaEnabled:
            raise MfaNotEnabledError()
        reauthentication = Reauthentication(ports, ACTION)
        await reauthentication.checkPassword(user, data.password, now, rehash=True)
        try:
            method = await verifySecondFactor(ports, user, data.code, data.recoveryCode, now)
        except InvalidMfaCodeError as error:
            await reauthentication.fail(user, "invalid_mfa_code", error)
        clearFailures(user)
        user.mfaEnabled = False
        user.totpSecretEncrypted = None
        user.totpLastUsedStep = None
        user.updatedAt = now
        await ports.users.flush()
        await ports.recoveryCodes.deleteAll(userId)
        await ports.users.voidAdminTokens(userId, now)
        await ports.audit.record(ACTION, AuditOutcome.SUCCESS, actorId=userId, targetId=userId,
                                 details={"method": method})
        await ports.transaction.commit()
