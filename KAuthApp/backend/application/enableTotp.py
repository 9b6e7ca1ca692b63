from __future__ import annotations

import uuid

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.application.reauthentication import Reauthentication
from KAuthApp.backend.application.secondFactor import totpSecretOf
from KAuthApp.backend.application.signedInUser import lockSignedInUser
from KAuthApp.backend.application.totpInputs import TotpCodeInput
from KAuthApp.backend.application.totpOutputs import RecoveryCodesOutput
from KAuthApp.backend.domain.exceptions.authErrors import (
    InvalidMfaCodeError,
    MfaAlreadyEnabledError,
    MfaNotSetUpError,
)
from KAuthApp.backend.domain.models.auditLog import AuditOutcome
from KAuthApp.backend.domain.opaqueTokens import newRecoveryCode, recoveryCodeHash
from KAuthApp.backend.domain.totpPolicy import matchTotp
from shared.backend.database.modelSupport import utcNow
from shared.backend.security.lockoutPolicy import clearFailures

ACTION = "auth.mfa_enable"
RECOVERY_CODE_COUNT = 10


# Turns MFA on after one valid code and returns the recovery codes, shown this once only. Wrong codes count toward
# the login lockout like disable's: a stolen access token could otherwise guess the code of a pending setup (the
# setup itself needs the password) without limit, and bind the owner's authenticator to the account.
class EnableTotp:
    def __init__(self, ports: AuthPorts) -> None:
        self.ports = ports

    async def execute(self, userId: uuid.UUID, sessionId: uuid.UUID, data: TotpCodeInput) -> RecoveryCodesOutput:
        ports, now = self.ports, utcNow()
        user = await lockSignedInUser(ports, userId, sessionId)
        if user.mfaEnabled:
            raise MfaAlreadyEnabledError()
        secret = await totpSecretOf(ports, user)
        if secret is None:
            raise MfaNotSetUpError()
        reauthentication = Reauthentication(ports, ACTION)
        await reauthentication.refuseIfLocked(user, now)
        step = matchTotp(secret, data.code, user.totpLastUsedStep, now.timestamp())
        if step is None:
            await reauthentication.fail(user, "invalid_mfa_code", InvalidMfaCodeError())
        clearFailures(user)
        codes = [newRecoveryCode() for _ in range(RECOVERY_CODE_COUNT)]
        await ports.recoveryCodes.replaceAll(userId, [recoveryCodeHash(userId, code) for code in codes])
        user.mfaEnabled = True
        user.totpLastUsedStep = step
        user.updatedAt = now
        await ports.users.flush()
        await ports.audit.record(ACTION, AuditOutcome.SUCCESS, actorId=userId, targetId=userId)
        await ports.transaction.commit()
        return RecoveryCodesOutput(recoveryCodes=codes)
