from __future__ import annotations

import uuid

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.application.secondFactor import verifySecondFactor
from KAuthApp.backend.application.totpInputs import TotpDisableInput
from KAuthApp.backend.domain.exceptions.authErrors import (
    InvalidMfaCodeError,
    MfaNotEnabledError,
    UserNotFoundError,
    WrongPasswordError,
)
from KAuthApp.backend.domain.models.auditLog import AuditOutcome
from shared.backend.database.modelSupport import utcNow
from shared.backend.exceptions.domainError import DomainError

ACTION = "auth.mfa_disable"


# Needs the password and a current code (or a recovery code).
class DisableTotp:
    def __init__(self, ports: AuthPorts) -> None:
        self.ports = ports

    async def execute(self, userId: uuid.UUID, data: TotpDisableInput) -> None:
        ports, now = self.ports, utcNow()
        user = await ports.users.getById(userId, forUpdate=True)
        if user is None or user.deletedAt is not None:
            raise UserNotFoundError()
        if not user.mfaEnabled:
            raise MfaNotEnabledError()
        error: DomainError | None = None
        if not await ports.hasher.verify(user.passwordHash, data.password):
            error = WrongPasswordError()
        else:
            try:
                await verifySecondFactor(ports, user, data.code, data.recoveryCode, now)
            except InvalidMfaCodeError as failure:
                error = failure
        if error is not None:
            await ports.users.flush()
            await ports.audit.record(ACTION, AuditOutcome.FAILURE, actorId=userId, targetId=userId,
                                     details={"reason": error.code})
            await ports.transaction.commit()
            raise error
        user.mfaEnabled = False
        user.totpSecretEncrypted = None
        user.totpLastUsedStep = None
        user.updatedAt = now
        await ports.users.flush()
        await ports.recoveryCodes.deleteAll(userId)
        await ports.audit.record(ACTION, AuditOutcome.SUCCESS, actorId=userId, targetId=userId)
        await ports.transaction.commit()
