from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from shared.backend.exceptions.serviceConfigurationError import ServiceConfigurationError

# SNAP's RSA keys are 2048-bit (the handbook's BRI.md): a shorter one, ours or BRI's, is refused at startup.
MIN_RSA_BITS = 2048
KeyT = TypeVar("KeyT", RSAPrivateKey, RSAPublicKey)


class BriConfigurationError(ServiceConfigurationError):
    pass


def requireStrength(key: KeyT, path: Path, variable: str) -> KeyT:
    if key.key_size < MIN_RSA_BITS:
        raise BriConfigurationError(f"{variable}: {path} is a {key.key_size}-bit RSA key; at least {MIN_RSA_BITS} "
                                    "bits are required")
    return key


# variable: the setting that named the path, which every message names.
def loadPrivateKey(path: Path | None, variable: str = "BRI_PRIVATE_KEY_PATH") -> RSAPrivateKey:
    if path is None:
        raise BriConfigurationError(f"{variable}: the private key's path is not configured")
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise BriConfigurationError(f"{variable}: cannot load private key {path}: {error}") from error
    if not isinstance(key, RSAPrivateKey):
        raise BriConfigurationError(f"{variable}: {path} is not an RSA private key")
    return requireStrength(key, path, variable)


def loadPublicKey(path: Path | None, variable: str = "BRI_PUBLIC_KEY_PATH") -> RSAPublicKey:
    if path is None:
        raise BriConfigurationError(f"{variable}: the public key's path is not configured")
    try:
        data = path.read_bytes()
        key = (
            x509.load_pem_x509_certificate(data).public_key()
            if b"BEGIN CERTIFICATE" in data
            else serialization.load_pem_public_key(data)
        )
    except (OSError, ValueError, TypeError) as error:
        raise BriConfigurationError(f"{variable}: cannot load public key {path}: {error}") from error
    if not isinstance(key, RSAPublicKey):
        raise BriConfigurationError(f"{variable}: {path} is not an RSA public key")
    return requireStrength(key, path, variable)


# The key BRI_PUBLIC_KEY_PATH replaced, still accepted on BRI's calls while BRI switches; unset: none.
def loadPreviousPublicKey(path: Path | None, current: RSAPublicKey) -> RSAPublicKey | None:
    if path is None:
        return None
    key = loadPublicKey(path, "BRI_PREVIOUS_PUBLIC_KEY_PATH")
    if key.public_numbers() == current.public_numbers():
        raise BriConfigurationError(f"BRI_PREVIOUS_PUBLIC_KEY_PATH: {path} holds the key of BRI_PUBLIC_KEY_PATH "
                                    "itself (leave it empty unless BRI is switching keys)")
    return key


def generatePrivateKey() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=MIN_RSA_BITS)


def privateKeyPem(key: RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def publicKeyPem(key: RSAPublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
