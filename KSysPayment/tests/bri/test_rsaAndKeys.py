from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from KSysPayment.backend.infrastructure.bri.generateKeys import generatePairs, main
from KSysPayment.backend.infrastructure.bri.keys import (
    BriConfigurationError,
    generatePrivateKey,
    loadPrivateKey,
    loadPublicKey,
)
from KSysPayment.backend.infrastructure.bri.snapSignature import rsaTokenSignature, verifyRsaTokenSignature

CLIENT_ID = "merchant-client"
TIMESTAMP = "2026-01-02T03:04:05.678+07:00"


def test_rsaTokenSignatureRoundTripAndIndependentCheck() -> None:
    key = generatePrivateKey()
    signature = rsaTokenSignature(key, CLIENT_ID, TIMESTAMP)
    assert verifyRsaTokenSignature(key.public_key(), CLIENT_ID, TIMESTAMP, signature)
    # Independently: PKCS#1 v1.5 SHA-256 over the literal "clientId|timestamp".
    key.public_key().verify(base64.b64decode(signature), b"merchant-client|2026-01-02T03:04:05.678+07:00",
                            padding.PKCS1v15(), hashes.SHA256())
    assert key.public_key().key_size == 2048
    # PKCS#1 v1.5 is deterministic.
    assert rsaTokenSignature(key, CLIENT_ID, TIMESTAMP) == signature


def test_rsaTokenSignatureRejectsTamperedInput() -> None:
    key = generatePrivateKey()
    other = generatePrivateKey()
    signature = rsaTokenSignature(key, CLIENT_ID, TIMESTAMP)
    publicKey = key.public_key()
    assert not verifyRsaTokenSignature(publicKey, "other-client", TIMESTAMP, signature)
    assert not verifyRsaTokenSignature(publicKey, CLIENT_ID, TIMESTAMP.replace("678", "679"), signature)
    assert not verifyRsaTokenSignature(other.public_key(), CLIENT_ID, TIMESTAMP, signature)
    raw = bytearray(base64.b64decode(signature))
    raw[10] ^= 0x01
    assert not verifyRsaTokenSignature(publicKey, CLIENT_ID, TIMESTAMP, base64.b64encode(bytes(raw)).decode())
    assert not verifyRsaTokenSignature(publicKey, CLIENT_ID, TIMESTAMP, "%%%not base64%%%")
    assert not verifyRsaTokenSignature(publicKey, CLIENT_ID, TIMESTAMP, "")


# The private key file is 0600 from its creation: with every chmod switched off, it still is.
def test_generatedPrivateKeysAreNeverReadableByOthers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "chmod", lambda *_args, **_kwargs: None)
    monkeypatch.setattr(os, "fchmod", lambda *_args, **_kwargs: None)
    generatePairs(tmp_path / "bri")
    for name in ("merchant_private.pem", "bri_private.pem"):
        assert stat.S_IMODE((tmp_path / "bri" / name).stat().st_mode) & 0o077 == 0


def test_generateKeysWritesTwoPairsOnceWithPrivateModes(tmp_path: Path) -> None:
    assert main(["--out", str(tmp_path / "bri")]) == 0
    names = sorted(path.name for path in (tmp_path / "bri").iterdir())
    assert names == ["bri_private.pem", "bri_public.pem", "merchant_private.pem", "merchant_public.pem"]
    assert stat.S_IMODE((tmp_path / "bri" / "merchant_private.pem").stat().st_mode) == 0o600
    merchant = loadPrivateKey(tmp_path / "bri" / "merchant_private.pem")
    publicKey = loadPublicKey(tmp_path / "bri" / "merchant_public.pem")
    signature = rsaTokenSignature(merchant, CLIENT_ID, TIMESTAMP)
    assert verifyRsaTokenSignature(publicKey, CLIENT_ID, TIMESTAMP, signature)
    assert not verifyRsaTokenSignature(loadPublicKey(tmp_path / "bri" / "bri_public.pem"), CLIENT_ID, TIMESTAMP,
                                       signature)
    # A second run keeps existing keys.
    assert generatePairs(tmp_path / "bri") == []


def test_loadingMissingOrWrongKeysFailsFast(tmp_path: Path) -> None:
    with pytest.raises(BriConfigurationError, match="not configured"):
        loadPrivateKey(None)
    with pytest.raises(BriConfigurationError, match="cannot load"):
        loadPublicKey(tmp_path / "missing.pem")
    generatePairs(tmp_path)
    with pytest.raises(BriConfigurationError, match="cannot load"):
        loadPrivateKey(tmp_path / "merchant_public.pem")
