from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from k_services_crypto import hkdfSha256

from shared.backend.config.secretSettings import CryptoSettings
from shared.backend.security.emailAddress import normalizeEmail

# HKDF's info: the digest key serves this use only, apart from the record keys the same master key yields.
DIGEST_KEY_INFO = b"kservices/audit/attempted-email/v1"
DIGEST_CHARS = 32


# The key of the attempted-address digests: HKDF-SHA256 of the crypto master key (no salt: the key is random).
@lru_cache(maxsize=4)
def digestKey(masterKey: bytes) -> bytes:
    return hkdfSha256(masterKey, b"", DIGEST_KEY_INFO, 32)


# HMAC-SHA256 of a normalized address, the first 32 hex characters: equal for one address under one master key,
# and not found by hashing a list of addresses without the key.
def emailDigest(normalized: str, key: bytes) -> str:
    return hmac.new(key, normalized.encode("utf-8"), hashlib.sha256).hexdigest()[:DIGEST_CHARS]


# What an audit entry of a login for no account records of the typed address: its digest and its domain, never the
# address (audit rows are never changed, and it may be a deleted account's or a stranger's). Both None when it is
# no address: the box may hold a password typed in the wrong place.
def attemptedEmailDetails(address: str, crypto: CryptoSettings) -> dict[str, object]:
    try:
        normalized = normalizeEmail(address)
    except ValueError:
        return {"emailDigest": None, "emailDomain": None}
    return {"emailDigest": emailDigest(normalized, digestKey(crypto.masterKeyBytes())),
            "emailDomain": normalized.rpartition("@")[2]}
