from __future__ import annotations

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.application.profileOutput import ProfileOutput
from KAuthApp.backend.domain.models.user import User
from shared.backend.cryptoFactory import DecryptionError
from shared.backend.loggingFactory import getSystemLogger

logger = getSystemLogger("kauth.profile")


def phoneContext(user: User) -> str:
    return f"user:{user.id}"


# A ciphertext that does not decrypt under this user's context (e.g. copied from another row) is
# never shown: the field reads as empty and the event is logged.
async def profileOf(ports: AuthPorts, user: User, roles: list[str]) -> ProfileOutput:
    phone: str | None = None
    if user.phoneEncrypted is not None:
        try:
            phone = await ports.cipher.decryptSensitiveAsync(user.phoneEncrypted, phoneContext(user))
        except DecryptionError:
            logger.security("phone_decrypt_failed", "stored phone number does not decrypt for its user",
                            user_id=str(user.id))
    return ProfileOutput(id=user.id, email=user.email, displayName=user.displayName, phoneNumber=phone,
                         emailVerified=user.emailVerifiedAt is not None, mfaEnabled=user.mfaEnabled, roles=roles,
                         createdAt=user.createdAt)
