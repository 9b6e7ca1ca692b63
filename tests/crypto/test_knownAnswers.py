from __future__ import annotations

import k_services_crypto as kcrypto
import pytest
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

h = bytes.fromhex

# NIST GCM specification (McGrew and Viega), test cases 13-16: AES-256, 96-bit IV.
GCM_KEY = h("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
GCM_IV = h("cafebabefacedbaddecaf888")
GCM_P = h(
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255"
)
GCM_C = h(
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad"
)
GCM_CASES = [
    ("tc13", bytes(32), bytes(12), b"", b"", b"", h("530f8afbc74536b9a963b4f1c4cb738b")),
    (
        "tc14",
        bytes(32),
        bytes(12),
        bytes(16),
        b"",
        h("cea7403d4d606b6e074ec5d3baf39d18"),
        h("d0d1c8a799996bf0265b98b5d48ab919"),
    ),
    ("tc15", GCM_KEY, GCM_IV, GCM_P, b"", GCM_C, h("b094dac5d93471bdec1a502270e3cc6c")),
    (
        "tc16",
        GCM_KEY,
        GCM_IV,
        GCM_P[:60],
        h("feedfacedeadbeeffeedfacedeadbeefabaddad2"),
        GCM_C[:60],
        h("76fc6ece0f4e1768cddf8853bb2d551b"),
    ),
]


@pytest.mark.parametrize(("name", "key", "iv", "plaintext", "aad", "ciphertext", "tag"), GCM_CASES)
def testAesGcmNistVectors(
    name: str, key: bytes, iv: bytes, plaintext: bytes, aad: bytes, ciphertext: bytes, tag: bytes
) -> None:
    assert kcrypto.aesGcmEncrypt(key, iv, plaintext, aad) == ciphertext + tag
    assert kcrypto.aesGcmDecrypt(key, iv, ciphertext + tag, aad) == plaintext
    altered = bytearray(ciphertext + tag)
    altered[-1] ^= 1
    with pytest.raises(kcrypto.DecryptionError):
        kcrypto.aesGcmDecrypt(key, iv, bytes(altered), aad)


# RFC 5869, appendix A, test cases 1-3 (SHA-256).
HKDF_CASES = [
    (
        b"\x0b" * 22,
        h("000102030405060708090a0b0c"),
        h("f0f1f2f3f4f5f6f7f8f9"),
        42,
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
    ),
    (
        bytes(range(0x50)),
        bytes(range(0x60, 0xB0)),
        bytes(range(0xB0, 0x100)),
        82,
        "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
        "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
        "cc30c58179ec3e87c14c01d5c1f3434f1d87",
    ),
    (
        b"\x0b" * 22,
        b"",
        b"",
        42,
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
    ),
]


@pytest.mark.parametrize(("ikm", "salt", "info", "length", "okm"), HKDF_CASES)
def testHkdfRfc5869Vectors(ikm: bytes, salt: bytes, info: bytes, length: int, okm: str) -> None:
    assert kcrypto.hkdfSha256(ikm, salt, info, length).hex() == okm


def testHkdfRejectsImpossibleLengths() -> None:
    # Refused before any allocation: 2**63 panicked ("capacity overflow"), 2**50 would abort the interpreter.
    for length in (0, 255 * 32 + 1, 2**63, 2**50):
        with pytest.raises(ValueError, match="length"):
            kcrypto.hkdfSha256(b"k", b"s", b"i", length)


def testArgon2idRfc9106Vector() -> None:
    # RFC 9106 section 5.3: Argon2id v0x13 with secret and associated data.
    tag = kcrypto.argon2id(b"\x01" * 32, b"\x02" * 16, 32, 3, 4, 32, secret=b"\x03" * 8, ad=b"\x04" * 12)
    assert tag.hex() == "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659"


def testArgon2idMatchesCryptographyPackage() -> None:
    expected = Argon2id(
        salt=b"kservices-test-1", length=32, iterations=2, lanes=1, memory_cost=1024
    ).derive(b"password")
    assert kcrypto.argon2id(b"password", b"kservices-test-1", 1024, 2, 1, 32) == expected


def testArgon2idRejectsBadParameters() -> None:
    with pytest.raises(ValueError, match="argon2id"):
        kcrypto.argon2id(b"password", b"short", 1024, 2, 1, 32)
    with pytest.raises(ValueError, match="argon2id"):
        kcrypto.argon2id(b"password", b"saltsaltsalt", 1024, 0, 1, 32)


def testRawPrimitivesRejectWrongSizes() -> None:
    with pytest.raises(ValueError, match="key"):
        kcrypto.aesGcmEncrypt(bytes(16), bytes(12), b"x", b"")
    with pytest.raises(ValueError, match="nonce"):
        kcrypto.aesGcmEncrypt(bytes(32), bytes(16), b"x", b"")
    with pytest.raises(kcrypto.DecryptionError):
        kcrypto.aesGcmDecrypt(bytes(32), bytes(12), bytes(15), b"")
    with pytest.raises(ValueError, match="kek"):
        kcrypto.recordKey(bytes(16), bytes(16), "user:1")
