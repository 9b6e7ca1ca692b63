from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

# Shared with the admin console's login, which checks recovery codes too.
from shared.backend.security.secondFactor import recoveryCodeHash as recoveryCodeHash
from shared.backend.security.secretTags import purposeKey, secretTag, taggedUnder

TOKEN_BYTES = 32
TAG_KEY_LABEL = b"kauth refresh token tag v1"


def newSecret() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hashToken(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def sameHash(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode(), right.encode())


# The key of refresh tokens' tags, derived from the JWT secret for this use only.
def refreshTagKey(secret: str) -> bytes:
    return purposeKey(secret, TAG_KEY_LABEL)


# Refresh tokens are "<session id hex>.<256 random bits>.<tag>": the session id finds a rotated token's session,
# and the tag (an HMAC of the rest under a server key) tells a token this server issued from a forged one that
# only names a session, so that only a real rotated token counts as reuse. Only the hash is stored.
def newRefreshToken(sessionId: uuid.UUID, key: bytes) -> str:
    body = f"{sessionId.hex}.{newSecret()}"
    return f"{body}.{secretTag(key, body)}"


# Tagged under the current key or, after a JWT_SECRET rotation, a previous one (a non-ASCII tag is refused, not
# answered 500).
def issuedHere(token: str, keys: tuple[bytes, ...]) -> bool:
    body, separator, tag = token.rpartition(".")
    if not separator or body.count(".") != 1:
        return False
    return taggedUnder(body, tag, keys)


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
