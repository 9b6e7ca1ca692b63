from __future__ import annotations

from datetime import datetime

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.domain.exceptions.authErrors import InvalidMfaCodeError
from KAuthApp.backend.domain.models.user import User
from shared.backend.security import secondFactor


def mfaContext(user: User) -> str:
    return secondFactor.mfaContext(user.id)


async def totpSecretOf(ports: AuthPorts, user: User) -> str | None:
    return await secondFactor.totpSecretOf(ports.cipher, user)


# The shared second-factor check (the user row must be locked); raises InvalidMfaCodeError for a wrong code.
async def verifySecondFactor(
    ports: AuthPorts, user: User, totpCode: str | None, recoveryCode: str | None, now: datetime
) -> str:
    method = await secondFactor.checkSecondFactor(ports.cipher, ports.recoveryCodes, user, totpCode, recoveryCode, now)
    if method is None:
        raise InvalidMfaCodeError()
    return method
