from __future__ import annotations

import math
import secrets
from datetime import datetime

from shared.backend.security.secretTags import purposeKey, secretTag, taggedUnder

# The access tokens we issue to BRI verify themselves: "b1.<expiry, Unix seconds>.<128 random bits>.<tag>", the tag
# an HMAC of the rest under a key derived from JWT_SECRET. Nothing about them is stored, so every worker accepts
# them and a Redis restart or outage does not touch them. "b1" is the format's version.
VERSION = "b1"
KEY_LABEL = b"ksyspayment bri access token v1"
NONCE_BYTES = 16
EXPIRY_DIGITS = 12


# The key new tokens are tagged under (JWT_SECRET's) first, then those of JWT_PREVIOUS_SECRETS.
def inboundTokenKeys(secret: str, *previousSecrets: str) -> tuple[bytes, ...]:
    return tuple(purposeKey(value, KEY_LABEL) for value in (secret, *previousSecrets))


# The expiry is rounded up to the second: the token lives its announced lifetime, at most a second longer.
def newInboundToken(key: bytes, expiresAt: datetime) -> str:
    body = f"{VERSION}.{math.ceil(expiresAt.timestamp())}.{secrets.token_urlsafe(NONCE_BYTES)}"
    return f"{body}.{secretTag(key, body)}"


# A token one of keys tagged, not expired at now. Anything else (another format or version, truncated, forged,
# expired) is refused alike; the tag is checked in constant time before the expiry it covers is read.
def validInboundToken(token: str, keys: tuple[bytes, ...], now: datetime) -> bool:
    parts = token.split(".")
    if not token.isascii() or len(parts) != 4 or parts[0] != VERSION:
        return False
    expiry = parts[1]
    if not (expiry.isdigit() and len(expiry) <= EXPIRY_DIGITS and parts[2]):
        return False
    body, _, tag = token.rpartition(".")
    return taggedUnder(body, tag, keys) and now.timestamp() < int(expiry)
