from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey


class BriConfigurationError(RuntimeError):
    pass


def loadPrivateKey(path: Path | None) -> RSAPrivateKey:
    if path is None:
        raise BriConfigurationError("private key path is not configured (BRI_PRIVATE_KEY_PATH)")
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise BriConfigurationError(f"cannot load private key {path}: {error}") from error
    if not isinstance(key, RSAPrivateKey):
        raise BriConfigurationError(f"{path} is not an RSA private key")
    return key


def loadPublicKey(path: Path | None) -> RSAPublicKey:
    if path is None:
        raise BriConfigurationError("public key path is not configured (BRI_PUBLIC_KEY_PATH)")
    try:
        data = path.read_bytes()
        key = (
            x509.load_pem_x509_certificate(data).public_key()
            if b"BEGIN CERTIFICATE" in data
            else serialization.load_pem_public_key(data)
        )
    except (OSError, ValueError, TypeError) as error:
        raise BriConfigurationError(f"cannot load public key {path}: {error}") from error
    if not isinstance(key, RSAPublicKey):
        raise BriConfigurationError(f"{path} is not an RSA public key")
    return key


def generatePrivateKey() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def privateKeyPem(key: RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def publicKeyPem(key: RSAPublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
