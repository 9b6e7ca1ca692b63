from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

SignatureEncoding = Literal["hex", "base64"]
JAKARTA = timezone(timedelta(hours=7))
SNAP_TIMESTAMP_PATTERN = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$"
)


def minifiedJson(obj: object) -> bytes:
    # Compact, no escaped "/", no \uXXXX: these exact bytes are hashed and sent.
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def bodyDigest(bodyBytes: bytes) -> str:
    return hashlib.sha256(bodyBytes).hexdigest()


def stringToSign(method: str, path: str, accessToken: str, bodyBytes: bytes, timestamp: str) -> str:
    if not path.startswith("/") or path.startswith("//") or "://" in path:
        raise ValueError("endpointPath must be a path starting with '/', without host")
    token = accessToken.removeprefix("Bearer ").strip()
    return f"{method.upper()}:{path}:{token}:{bodyDigest(bodyBytes)}:{timestamp}"


def toBytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def hmacDigest(secret: str | bytes, message: str) -> bytes:
    return hmac.new(toBytes(secret), message.encode("utf-8"), hashlib.sha512).digest()


def hmacSignature(secret: str | bytes, stringToSign: str, encoding: SignatureEncoding = "hex") -> str:
    digest = hmacDigest(secret, stringToSign)
    if encoding == "hex":
        return digest.hex()
    return base64.b64encode(digest).decode("ascii")


def decodeSignature(signature: str) -> list[bytes]:
    # Candidates: hex (BRI SDK, Postman) and base64 (SNAP standard); lengths rarely overlap.
    candidates: list[bytes] = []
    text = signature.strip()
    if re.fullmatch(r"[0-9a-fA-F]+", text) and len(text) % 2 == 0:
        candidates.append(bytes.fromhex(text))
    with contextlib.suppress(binascii.Error, ValueError):
        candidates.append(base64.b64decode(text, validate=True))
    return candidates


def verifyHmacSignature(secret: str | bytes, stringToSign: str, signature: str) -> bool:
    expected = hmacDigest(secret, stringToSign)
    matched = False
    for candidate in decodeSignature(signature):
        matched |= hmac.compare_digest(expected, candidate)
    return matched


def rsaTokenMessage(clientId: str, timestamp: str) -> bytes:
    return f"{clientId}|{timestamp}".encode()


def rsaTokenSignature(privateKey: RSAPrivateKey, clientId: str, timestamp: str) -> str:
    raw = privateKey.sign(rsaTokenMessage(clientId, timestamp), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(raw).decode("ascii")


def verifyRsaTokenSignature(publicKey: RSAPublicKey, clientId: str, timestamp: str, signature: str) -> bool:
    try:
        raw = base64.b64decode(signature.strip(), validate=True)
        publicKey.verify(raw, rsaTokenMessage(clientId, timestamp), padding.PKCS1v15(), hashes.SHA256())
    except (binascii.Error, ValueError, InvalidSignature):
        return False
    return True


def snapTimestamp(now: datetime) -> str:
    if now.tzinfo is None:
        raise ValueError("timestamp must be timezone-aware")
    local = now.astimezone(JAKARTA)
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}+07:00"


def parseSnapTimestamp(value: str) -> datetime:
    match = SNAP_TIMESTAMP_PATTERN.fullmatch(value.strip())
    if match is None:
        raise ValueError(f"not a SNAP timestamp: {value!r}")
    text = value.strip()
    fraction = match.group(1)
    if fraction:
        # Python 3.11 wants 3 or 6 fractional digits.
        digits = fraction[1:]
        text = text.replace(fraction, "." + digits.ljust(6, "0"), 1)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    return datetime.fromisoformat(text)
