from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

# Shared with the admin console's login, which checks recovery codes too.
from shared.backend.security.secondFactor import recoveryCodeHash as recoveryCodeHash

TOKEN_BYTES = 32


def newSecret() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hashToken(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def sameHash(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode(), right.encode())


# Refresh tokens name their session ("<session id hex>.<256 random bits>") so that a rotated token
# still finds its session and reuse can be told apart from a forged token; only the hash is stored.
def newRefreshToken(sessionId: uuid.UUID) -> str:
    return f"{sessionId.hex}.{newSecret()}"


def refreshTokenSession(token: str) -> uuid.UUID | None:
    prefix, separator, secret = token.partition(".")
    if not separator or len(prefix) != 32 or len(secret) < 40:
        return None
    try:
        return uuid.UUID(hex=prefix)
    except ValueError:
        return None


# 80 random bits: enough that the fast (salted) SHA-256 at rest resists offline guessing.
def newRecoveryCode() -> str:
    raw = secrets.token_hex(10)
    return "-".join(raw[index:index + 5] for index in range(0, 20, 5))
