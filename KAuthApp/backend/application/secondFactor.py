from __future__ import annotations

from datetime import datetime

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.domain.exceptions.authErrors import InvalidMfaCodeError
from KAuthApp.backend.domain.models.user import User
from KAuthApp.backend.domain.totpPolicy import plausibleCode
from shared.backend.security import secondFactor


def mfaContext(user: User) -> str:
    return secondFactor.mfaContext(user.id)


async def totpSecretOf(ports: AuthPorts, user: User) -> str | None:
    return await secondFactor.totpSecretOf(ports.cipher, user)


# The shared second-factor check (the user row must be locked); raises InvalidMfaCodeError for a wrong code,
# a non-ASCII TOTP code included (see totpPolicy.plausibleCode).
async def verifySecondFactor(
    ports: AuthPorts, user: User, totpCode: str | None, recoveryCode: str | None, now: datetime
) -> str:
    if totpCode and not plausibleCode(totpCode):
        raise InvalidMfaCodeError()
    method = await secondFactor.checkSecondFactor(ports.cipher, ports.recoveryCodes, user, totpCode, recoveryCode, now)
    if method is None:
        raise InvalidMfaCodeError()
    return method
