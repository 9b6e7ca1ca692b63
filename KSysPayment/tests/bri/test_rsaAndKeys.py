from __future__ import annotations

import base64
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from KSysPayment.backend.infrastructure.bri.generateKeys import generatePairs, main
from KSysPayment.backend.infrastructure.bri.keys import (
    BriConfigurationError,
    generatePrivateKey,
    loadPreviousPublicKey,
    loadPrivateKey,
    loadPublicKey,
    privateKeyPem,
    publicKeyPem,
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


def shortKeyFiles(directory: Path) -> tuple[Path, Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - the weak key refused
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bri.example")])
    now = datetime.now(UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(1).not_valid_before(now).not_valid_after(now + timedelta(days=1))
                   .sign(key, hashes.SHA256()))
    paths = (directory / "short_private.pem", directory / "short_public.pem", directory / "short_certificate.pem")
    paths[0].write_bytes(privateKeyPem(key))
    paths[1].write_bytes(publicKeyPem(key.public_key()))
    paths[2].write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return paths


# A 1024-bit key (`openssl genrsa 1024`) was accepted for signing our calls and checking BRI's: each is refused at
# startup, naming its variable.
def test_keysShorterThan2048BitsAreRefused(tmp_path: Path) -> None:
    private, public, certificate = shortKeyFiles(tmp_path)
    with pytest.raises(BriConfigurationError) as error:
        loadPrivateKey(private)
    assert str(error.value) == f"BRI_PRIVATE_KEY_PATH: {private} is a 1024-bit RSA key; at least 2048 bits are required"
    for path in (public, certificate):
        with pytest.raises(BriConfigurationError, match=r"^BRI_PUBLIC_KEY_PATH: .* is a 1024-bit RSA key"):
            loadPublicKey(path)
    generatePairs(tmp_path / "bri")
    current = loadPublicKey(tmp_path / "bri" / "bri_public.pem")
    with pytest.raises(BriConfigurationError, match=r"^BRI_PREVIOUS_PUBLIC_KEY_PATH: .* is a 1024-bit RSA key"):
        loadPreviousPublicKey(public, current)
    with pytest.raises(BriConfigurationError, match=r"^SIM_PRIVATE_KEY_PATH: .* is a 1024-bit RSA key"):
        loadPrivateKey(private, "SIM_PRIVATE_KEY_PATH")
