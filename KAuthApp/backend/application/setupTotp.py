from __future__ import annotations

import uuid

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.application.secondFactor import mfaContext
from KAuthApp.backend.application.totpOutputs import TotpSetupOutput
from KAuthApp.backend.domain.exceptions.authErrors import MfaAlreadyEnabledError, UserNotFoundError
from KAuthApp.backend.domain.models.auditLog import AuditOutcome
from KAuthApp.backend.domain.totpPolicy import newTotpSecret, provisioningUri
from shared.backend.database.modelSupport import utcNow


# Stores a new secret, encrypted and bound to the user; MFA is on only after EnableTotp.
class SetupTotp:
    def __init__(self, ports: AuthPorts) -> None:
        self.ports = ports

    async def execute(self, userId: uuid.UUID) -> TotpSetupOutput:
        ports = self.ports
        user = await ports.users.getById(userId, forUpdate=True)
        if user is None or user.deletedAt is not None:
            raise UserNotFoundError()
        if user.mfaEnabled:
            raise MfaAlreadyEnabledError()
        secret = newTotpSecret()
        user.totpSecretEncrypted = await ports.cipher.encryptSensitiveAsync(secret, mfaContext(user))
        user.totpLastUsedStep = None
        user.updatedAt = utcNow()
        await ports.users.flush()
        await ports.audit.record("auth.mfa_setup", AuditOutcome.SUCCESS, actorId=userId, targetId=userId)
        await ports.transaction.commit()
        uri = provisioningUri(secret, user.email, ports.settings.auth.mfaIssuer)
        return TotpSetupOutput(secret=secret, provisioningUri=uri)
