from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from functools import lru_cache

TAG_BYTES = 16


# A key for one use only, derived from a server secret (JWT_SECRET) and a label naming that use: a tag made for
# one kind of token never verifies as another's.
@lru_cache(maxsize=16)
def purposeKey(secret: str, label: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), label, hashlib.sha256).digest()


# HMAC-SHA256 of body under key, its first 16 bytes as unpadded base64url.
def secretTag(key: bytes, body: str) -> str:
    digest = hmac.new(key, body.encode("utf-8"), hashlib.sha256).digest()[:TAG_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


# Tagged under any of keys (the current one, then those a rotation replaced), in constant time. Compared as bytes:
# with str, compare_digest raises TypeError on a non-ASCII tag.
def taggedUnder(body: str, tag: str, keys: Sequence[bytes]) -> bool:
    presented = tag.encode("utf-8")
    return any(hmac.compare_digest(presented, secretTag(key, body).encode("ascii")) for key in keys)
