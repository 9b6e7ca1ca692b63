from __future__ import annotations

import uuid

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.application.secondFactor import totpSecretOf
from KAuthApp.backend.application.totpInputs import TotpCodeInput
from KAuthApp.backend.application.totpOutputs import RecoveryCodesOutput
from KAuthApp.backend.domain.exceptions.authErrors import (
    InvalidMfaCodeError,
    MfaAlreadyEnabledError,
    MfaNotSetUpError,
    UserNotFoundError,
)
from KAuthApp.backend.domain.models.auditLog import AuditOutcome
from KAuthApp.backend.domain.opaqueTokens import newRecoveryCode, recoveryCodeHash
from KAuthApp.backend.domain.totpPolicy import matchTotp
from shared.backend.database.modelSupport import utcNow

ACTION = "auth.mfa_enable"
RECOVERY_CODE_COUNT = 10


# Turns MFA on after one valid code and returns the recovery codes, shown this once only.
class EnableTotp:
    def __init__(self, ports: AuthPorts) -> None:
        self.ports = ports

    async def execute(self, userId: uuid.UUID, data: TotpCodeInput) -> RecoveryCodesOutput:
        ports, now = self.ports, utcNow()
        user = await ports.users.getById(userId, forUpdate=True)
        if user is None or user.deletedAt is not None:
            raise UserNotFoundError()
        if user.mfaEnabled:
            raise MfaAlreadyEnabledError()
        secret = await totpSecretOf(ports, user)
        if secret is None:
            raise MfaNotSetUpError()
        step = matchTotp(secret, data.code, user.totpLastUsedStep, now.timestamp())
        if step is None:
            await ports.audit.record(ACTION, AuditOutcome.FAILURE, actorId=userId, targetId=userId,
                                     details={"reason": "invalid_mfa_code"})
            await ports.transaction.commit()
            raise InvalidMfaCodeError()
        codes = [newRecoveryCode() for _ in range(RECOVERY_CODE_COUNT)]
        await ports.recoveryCodes.replaceAll(userId, [recoveryCodeHash(userId, code) for code in codes])
        user.mfaEnabled = True
        user.totpLastUsedStep = step
        user.updatedAt = now
        await ports.users.flush()
        await ports.audit.record(ACTION, AuditOutcome.SUCCESS, actorId=userId, targetId=userId)
        await ports.transaction.commit()
        return RecoveryCodesOutput(recoveryCodes=codes)
