from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import secrets
import time

from k_services_crypto import FORMAT_VERSION, DecryptionError, RecordCipher

from shared.backend.config.secretSettings import CryptoSettings

__all__ = ["CryptoSelfTestError", "CryptoService", "DecryptionError", "createCrypto", "storedParamsId"]


class CryptoSelfTestError(RuntimeError):
    pass


def requireContext(context: str) -> None:
    if not context:
        raise ValueError("an encryption context is required (for example 'user:{id}')")


def utf8Text(plain: bytes) -> str:
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError:
        raise DecryptionError("decrypted value is not UTF-8 text") from None


# The Argon2id parameter set a stored value records (its second byte, docs/crypto.md); None when the value is not
# in the stored form at all. Reads no key material.
def storedParamsId(value: str) -> int | None:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None
    return raw[1] if len(raw) > 1 and raw[0] == FORMAT_VERSION else None


# Encrypts under the current master key; decrypts under it or, for values written before a rotation, under
# one of the previous keys (GCM's tag tells a wrong key apart, so no key id is stored).
class CryptoService:
    def __init__(self, cipher: RecordCipher, previous: tuple[RecordCipher, ...] = ()) -> None:
        self._cipher = cipher
        self._previous = previous

    @property
    def paramsId(self) -> int:
        return self._cipher.paramsId

    def encryptSensitive(self, text: str, context: str) -> str:
        requireContext(context)
        return self._cipher.encryptToString(text.encode("utf-8"), context)

    def decryptSensitive(self, value: str, context: str) -> str:
        requireContext(context)
        return utf8Text(self.openValue(value, context)[0])

    # The plaintext, and whether the current key opened it.
    def openValue(self, value: str, context: str) -> tuple[bytes, bool]:
        try:
            return self._cipher.decryptString(value, context), True
        except DecryptionError:
            for cipher in self._previous:
                try:
                    return cipher.decryptString(value, context), False
                except DecryptionError:
                    continue
            raise

    # The value encrypted anew under the current key, or None when it already is; DecryptionError when no
    # configured key opens it.
    def reencryptSensitive(self, value: str, context: str) -> str | None:
        requireContext(context)
        plain, current = self.openValue(value, context)
        if current:
            return None
        return self.encryptSensitive(utf8Text(plain), context)

    async def encryptSensitiveAsync(self, text: str, context: str) -> str:
        return await asyncio.to_thread(self.encryptSensitive, text, context)

    async def decryptSensitiveAsync(self, value: str, context: str) -> str:
        return await asyncio.to_thread(self.decryptSensitive, value, context)

    def selfTest(self) -> float:
        text = secrets.token_urlsafe(24)
        context = f"selftest:{secrets.token_hex(8)}"
        started = time.perf_counter()
        value = self.encryptSensitive(text, context)
        restored = self.decryptSensitive(value, context)
        latencyMs = (time.perf_counter() - started) * 1000.0
        if not hmac.compare_digest(restored.encode(), text.encode()):
            raise CryptoSelfTestError("crypto self-test: round trip returned a different value")
        try:
            self.decryptSensitive(value, context + "x")
        except DecryptionError:
            return latencyMs
        raise CryptoSelfTestError("crypto self-test: a value decrypted under the wrong context")


# Derives one KEK per configured key (Argon2id, ~65 ms each at the default parameters).
def createCrypto(settings: CryptoSettings) -> CryptoService:
    def cipherFor(masterKey: bytes) -> RecordCipher:
        return RecordCipher(masterKey, settings.argon2MemoryKib, settings.argon2Iterations,
                            settings.argon2Parallelism)

    previous = tuple(cipherFor(key) for key in settings.previousMasterKeyBytes())
    return CryptoService(cipherFor(settings.masterKeyBytes()), previous)
