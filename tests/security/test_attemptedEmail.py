from __future__ import annotations

import base64
import hashlib
import hmac

from shared.backend.config.secretSettings import CryptoSettings
from shared.backend.security.attemptedEmail import attemptedEmailDetails

MASTER_KEY = bytes(range(32))


def cryptoWith(masterKey: bytes) -> CryptoSettings:
    return CryptoSettings(CRYPTO_MASTER_KEY=base64.b64encode(masterKey).decode())  # type: ignore[call-arg]


def digestOf(address: str, masterKey: bytes = MASTER_KEY) -> object:
    return attemptedEmailDetails(address, cryptoWith(masterKey))["emailDigest"]


# One address in any spelling its normalization accepts gives one digest; another address, or another master key
# (a rotation), another.
def testTheDigestFollowsTheNormalizedAddressAndTheKey() -> None:
    details = attemptedEmailDetails(" Alice@Example.COM ", cryptoWith(MASTER_KEY))
    assert details == {"emailDigest": digestOf("alice@example.com"), "emailDomain": "example.com"}
    assert digestOf("Alice <alice@example.com>") == details["emailDigest"]
    assert digestOf("alice@example.org") != details["emailDigest"]
    assert digestOf("alice@example.com", bytes(range(1, 33))) != details["emailDigest"]
    assert attemptedEmailDetails("user@XN--BCHER-KVA.de", cryptoWith(MASTER_KEY))["emailDomain"] == "bücher.de"


# HMAC-SHA256 under HKDF-SHA256(master key, no salt, its own label), 32 hex characters: not an unkeyed hash a list of
# addresses would find, nor an HMAC under the master key itself.
def testTheDigestIsKeyedWithAKeyOfItsOwn() -> None:
    address = "alice@example.com"
    prk = hmac.new(b"", MASTER_KEY, hashlib.sha256).digest()
    key = hmac.new(prk, b"kservices/audit/attempted-email/v1\x01", hashlib.sha256).digest()
    expected = hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:32]
    assert digestOf(address) == expected
    assert not hashlib.sha256(address.encode()).hexdigest().startswith(expected)
    assert not hmac.new(MASTER_KEY, address.encode(), hashlib.sha256).hexdigest().startswith(expected)


# A typed value that is no address (maybe a password in the wrong box) records neither a digest nor a domain.
def testNoAddressRecordsNothing() -> None:
    for typed in ("correct horse battery staple", "nul\x00@example.com", "two@@example.com"):
        assert attemptedEmailDetails(typed, cryptoWith(MASTER_KEY)) == {"emailDigest": None, "emailDomain": None}
