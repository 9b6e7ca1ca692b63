from __future__ import annotations

from datetime import datetime

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.domain.exceptions.authErrors import InvalidMfaCodeError
from KAuthApp.backend.domain.models.user import User
from KAuthApp.backend.domain.opaqueTokens import recoveryCodeHash
from KAuthApp.backend.domain.totpPolicy import matchTotp


def mfaContext(user: User) -> str:
    return f"user:{user.id}|mfa"


async def totpSecretOf(ports: AuthPorts, user: User) -> str | None:
    if user.totpSecretEncrypted is None:
        return None
    return await ports.cipher.decryptSensitiveAsync(user.totpSecretEncrypted, mfaContext(user))


# Checks a TOTP code (refusing replays via users.totp_last_used_step) or consumes a recovery code.
# Returns the method used; raises InvalidMfaCodeError otherwise. The user row must be locked.
async def verifySecondFactor(
    ports: AuthPorts, user: User, totpCode: str | None, recoveryCode: str | None, now: datetime
) -> str:
    if totpCode:
        secret = await totpSecretOf(ports, user)
        step = matchTotp(secret, totpCode, user.totpLastUsedStep, now.timestamp()) if secret else None
        if step is not None:
            user.totpLastUsedStep = step
            return "totp"
    elif recoveryCode and await ports.recoveryCodes.consume(user.id, recoveryCodeHash(user.id, recoveryCode), now):
        return "recovery_code"
    raise InvalidMfaCodeError()
