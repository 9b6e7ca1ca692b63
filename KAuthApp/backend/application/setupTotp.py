from __future__ import annotations

import uuid

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.application.reauthentication import Reauthentication
from KAuthApp.backend.application.secondFactor import mfaContext
from KAuthApp.backend.application.signedInUser import lockSignedInUser
from KAuthApp.backend.application.totpInputs import TotpSetupInput
from KAuthApp.backend.application.totpOutputs import TotpSetupOutput
from KAuthApp.backend.domain.exceptions.authErrors import MfaAlreadyEnabledError
from KAuthApp.backend.domain.models.auditLog import AuditOutcome
from KAuthApp.backend.domain.totpPolicy import newTotpSecret, provisioningUri
from shared.backend.database.modelSupport import utcNow
from shared.backend.security.lockoutPolicy import clearFailures

ACTION = "auth.mfa_setup"


# Needs the current password (counted like a login's), so a stolen access token alone cannot bind an
# authenticator to the account. Stores a new secret, encrypted and bound to the user; MFA is on only after
# EnableTotp.
class SetupTotp:
    def __init__(self, ports: AuthPorts) -> None:
        self.ports = ports

    async def execute(self, userId: uuid.UUID, sessionId: uuid.UUID, data: TotpSetupInput) -> TotpSetupOutput:
        ports, now = self.ports, utcNow()
        user = await lockSignedInUser(ports, userId, sessionId)
        if user.mfaEnabled:
            raise MfaAlreadyEnabledError()
        await Reauthentication(ports, ACTION).checkPassword(user, data.password, now, rehash=True)
        clearFailures(user)
        secret = newTotpSecret()
        user.totpSecretEncrypted = await ports.cipher.encryptSensitiveAsync(secret, mfaContext(user))
        user.totpLastUsedStep = None
        user.updatedAt = now
        await ports.users.flush()
        await ports.audit.record(ACTION, AuditOutcome.SUCCESS, actorId=userId, targetId=userId)
        await ports.transaction.commit()
        uri = provisioningUri(secret, user.email, ports.settings.auth.mfaIssuer)
        return TotpSetupOutput(secret=secret, provisioningUri=uri)
