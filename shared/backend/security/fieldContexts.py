from __future__ import annotations

import uuid

from shared.backend.security.secondFactor import mfaContext

__all__ = ["ENCRYPTED_USER_COLUMNS", "phoneContext"]


# The crypto context a phone number is encrypted under: bound to its user.
def phoneContext(userId: uuid.UUID) -> str:
    return f"user:{userId}"


# Every encrypted column of users, with the context its values are bound to.
ENCRYPTED_USER_COLUMNS = {"phone_encrypted": phoneContext, "totp_secret_encrypted": mfaContext}
