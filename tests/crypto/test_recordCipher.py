from __future__ import annotations

import base64
import os

import k_services_crypto as kcrypto
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.crypto.conftest import MASTER_KEY

HEADER = bytes([1, 1])
contexts = st.text(min_size=1, max_size=64)
payloads = st.binary(min_size=0, max_size=4096)


def b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def referenceRecordKey(kek: bytes, salt: bytes, context: str) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt, context.encode()).derive(kek)


@settings(max_examples=200, deadline=None)
@given(plaintext=payloads, context=contexts)
def testRoundTripObjectsAndStrings(cipher: kcrypto.RecordCipher, plaintext: bytes, context: str) -> None:
    output = cipher.encrypt(plaintext, context)
    assert len(output.salt) == 16
    assert len(output.nonce) == 12
    assert len(output.ciphertext) == len(plaintext) + 16
    assert cipher.decrypt(output, context) == plaintext
    value = cipher.encryptToString(plaintext, context)
    assert cipher.decryptString(value, context) == plaintext
    assert cipher.decryptString(cipher.encode(output), context) == plaintext


@settings(max_examples=100, deadline=None)
@given(plaintext=payloads, context=contexts, otherContext=contexts)
def testOtherContextIsRejected(cipher: kcrypto.RecordCipher, plaintext: bytes, context: str, otherContext: str) -> None:
    if otherContext == context:
        return
    value = cipher.encryptToString(plaintext, context)
    with pytest.raises(kcrypto.DecryptionError):
        cipher.decryptString(value, otherContext)


def testStringLayout(cipher: kcrypto.RecordCipher) -> None:
    value = cipher.encryptToString(b"hello", "user:42")
    assert "=" not in value
    raw = b64decode(value)
    assert raw[0] == kcrypto.FORMAT_VERSION == 1
    assert raw[1] == cipher.paramsId == 1
    assert len(raw) == 2 + 16 + 12 + 5 + 16
    parts = cipher.decode(value)
    assert parts.salt == raw[2:18]
    assert parts.nonce == raw[18:30]
    assert parts.ciphertext == raw[30:]
    assert cipher.encode(parts) == value


def testEveryBitFlipOfTheStoredValueIsRejected(cipher: kcrypto.RecordCipher) -> None:
    context = "user:7|device:abc"
    value = cipher.encryptToString(b"12345", context)
    raw = b64decode(value)
    for index in range(len(raw)):
        for bit in range(8):
            altered = bytearray(raw)
            altered[index] ^= 1 << bit
            with pytest.raises(kcrypto.DecryptionError):
                cipher.decryptString(b64encode(bytes(altered)), context)
    for index in range(len(value)):
        for bit in range(8):
            altered = value[:index] + chr(ord(value[index]) ^ (1 << bit)) + value[index + 1 :]
            with pytest.raises(kcrypto.DecryptionError):
                cipher.decryptString(altered, context)


def testEveryTruncationIsRejected(cipher: kcrypto.RecordCipher) -> None:
    context = "user:7"
    value = cipher.encryptToString(b"a secret value", context)
    raw = b64decode(value)
    for length in range(len(value)):
        with pytest.raises(kcrypto.DecryptionError):
            cipher.decryptString(value[:length], context)
    for length in range(len(raw)):
        with pytest.raises(kcrypto.DecryptionError):
            cipher.decryptString(b64encode(raw[:length]), context)
    output = cipher.encrypt(b"a secret value", context)
    for length in range(len(output.ciphertext)):
        truncated = kcrypto.CryptoOutput(output.ciphertext[:length], output.salt, output.nonce)
        with pytest.raises(kcrypto.DecryptionError):
            cipher.decrypt(truncated, context)


def testAppendedBytesAreRejected(cipher: kcrypto.RecordCipher) -> None:
    value = cipher.encryptToString(b"x", "user:1")
    for suffix in ("A", "AA", "AAAA"):
        with pytest.raises(kcrypto.DecryptionError):
            cipher.decryptString(value + suffix, "user:1")


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "A",
        "AA",
        "AAAA",
        "!!!!",
        "AQE",
        "é" * 80,
        "A" * 1000,
        " " + "A" * 63,
        "AQ==" * 20,
        "\x00" * 64,
        "\ud800" * 64,
    ],
)
def testGarbageIsRejected(cipher: kcrypto.RecordCipher, garbage: str) -> None:
    with pytest.raises(kcrypto.DecryptionError):
        cipher.decryptString(garbage, "user:1")


def testRandomBytesAreRejected(cipher: kcrypto.RecordCipher) -> None:
    for size in range(0, 200, 7):
        for version in (0, 1, 2, 255):
            raw = bytes([version, 1]) + os.urandom(size)
            with pytest.raises(kcrypto.DecryptionError):
                cipher.decryptString(b64encode(raw), "user:1")


def testMalformedOutputObjectsAreRejected(cipher: kcrypto.RecordCipher) -> None:
    output = cipher.encrypt(b"payload", "user:1")
    for salt, nonce in [(output.salt[:15], output.nonce), (output.salt, output.nonce[:11]), (b"", b"")]:
        with pytest.raises(kcrypto.DecryptionError):
            cipher.decrypt(kcrypto.CryptoOutput(output.ciphertext, salt, nonce), "user:1")
    swapped = kcrypto.CryptoOutput(output.ciphertext, os.urandom(16), output.nonce)
    with pytest.raises(kcrypto.DecryptionError):
        cipher.decrypt(swapped, "user:1")


def testWrongKeyIsRejected(cipher: kcrypto.RecordCipher, otherCipher: kcrypto.RecordCipher) -> None:
    value = cipher.encryptToString(b"payload", "user:1")
    with pytest.raises(kcrypto.DecryptionError):
        otherCipher.decryptString(value, "user:1")
    with pytest.raises(kcrypto.DecryptionError):
        otherCipher.decrypt(cipher.encrypt(b"payload", "user:1"), "user:1")


def testOtherParameterSetIsRejected(cipher: kcrypto.RecordCipher) -> None:
    custom = kcrypto.RecordCipher(MASTER_KEY, 1024, 2, 1)
    assert custom.paramsId == kcrypto.PARAMS_CUSTOM == 0
    assert b64decode(custom.encryptToString(b"x", "user:1"))[1] == 0
    with pytest.raises(kcrypto.DecryptionError, match="parameter set"):
        custom.decryptString(cipher.encryptToString(b"x", "user:1"), "user:1")


def testShortMasterKeyIsRefused() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        kcrypto.RecordCipher(bytes(31))


def testNoncesAndSaltsNeverRepeat(cipher: kcrypto.RecordCipher) -> None:
    count = 100_000
    salts = set()
    nonces = set()
    for _ in range(count):
        output = cipher.encrypt(b"x", "user:1")
        salts.add(output.salt)
        nonces.add(output.nonce)
    assert len(salts) == count
    assert len(nonces) == count


def testRecordKeyMatchesReferenceHkdf(kek: bytes) -> None:
    salt = os.urandom(16)
    assert kcrypto.recordKey(kek, salt, "user:1") == referenceRecordKey(kek, salt, "user:1")
    assert kcrypto.recordKey(kek, salt, "user:1") != kcrypto.recordKey(kek, salt, "user:2")


@settings(max_examples=50, deadline=None)
@given(plaintext=payloads, context=contexts)
def testCryptographyDecryptsOurOutput(cipher: kcrypto.RecordCipher, kek: bytes, plaintext: bytes, context: str) -> None:
    raw = b64decode(cipher.encryptToString(plaintext, context))
    salt, nonce, ciphertext = raw[2:18], raw[18:30], raw[30:]
    key = referenceRecordKey(kek, salt, context)
    assert AESGCM(key).decrypt(nonce, ciphertext, context.encode()) == plaintext


@settings(max_examples=50, deadline=None)
@given(plaintext=payloads, context=contexts)
def testWeDecryptCryptographyOutput(cipher: kcrypto.RecordCipher, kek: bytes, plaintext: bytes, context: str) -> None:
    salt, nonce = os.urandom(16), os.urandom(12)
    key = referenceRecordKey(kek, salt, context)
    ciphertext = AESGCM(key).encrypt(nonce, plaintext, context.encode())
    assert cipher.decryptString(b64encode(HEADER + salt + nonce + ciphertext), context) == plaintext
    assert cipher.decrypt(kcrypto.CryptoOutput(ciphertext, salt, nonce), context) == plaintext
