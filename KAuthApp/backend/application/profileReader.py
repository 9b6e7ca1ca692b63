from __future__ import annotations

from KAuthApp.backend.application.profileOutput import ProfileOutput
from KAuthApp.backend.domain.interfaces.cipherInterface import CipherInterface
from KAuthApp.backend.domain.models.user import User
from KAuthApp.backend.domain.userProfile import UserProfile
from shared.backend.cryptoFactory import DecryptionError
from shared.backend.loggingFactory import getSystemLogger
from shared.backend.security.fieldContexts import phoneContext

logger = getSystemLogger("kauth.profile")


def profileFromUser(user: User, roles: list[str]) -> UserProfile:
    return UserProfile(id=user.id, email=user.email, displayName=user.displayName, phoneEncrypted=user.phoneEncrypted,
                       emailVerified=user.emailVerifiedAt is not None, mfaEnabled=user.mfaEnabled, roles=roles,
                       createdAt=user.createdAt)


# A ciphertext that does not decrypt under this user's context (e.g. copied from another row) is
# never shown: the field reads as empty and the event is logged. Decrypting a phone number takes
# microseconds, so it runs inline rather than in a worker thread.
def profileOutput(profile: UserProfile, cipher: CipherInterface) -> ProfileOutput:
    phone: str | None = None
    if profile.phoneEncrypted is not None:
        try:
            phone = cipher.decryptSensitive(profile.phoneEncrypted, phoneContext(profile.id))
        except DecryptionError:
            logger.security("phone_decrypt_failed", "stored phone number does not decrypt for its user",
                            user_id=str(profile.id))
    return ProfileOutput(id=profile.id, email=profile.email, displayName=profile.displayName, phoneNumber=phone,
                         emailVerified=profile.emailVerified, mfaEnabled=profile.mfaEnabled, roles=profile.roles,
                         createdAt=profile.createdAt)
