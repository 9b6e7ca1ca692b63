from __future__ import annotations

import asyncio
import hmac
import secrets
import time

from k_services_crypto import DecryptionError, RecordCipher

from shared.backend.config.settings import CryptoSettings

__all__ = ["CryptoSelfTestError", "CryptoService", "DecryptionError", "createCrypto"]


class CryptoSelfTestError(RuntimeError):
    pass


def requireContext(context: str) -> None:
    if not context:
        raise ValueError("an encryption context is required (for example 'user:{id}')")


class CryptoService:
    def __init__(self, cipher: RecordCipher) -> None:
        self._cipher = cipher

    @property
    def paramsId(self) -> int:
        return self._cipher.paramsId

    def encryptSensitive(self, text: str, context: str) -> str:
        requireContext(context)
        return self._cipher.encryptToString(text.encode("utf-8"), context)

    def decryptSensitive(self, value: str, context: str) -> str:
        requireContext(context)
        plain = self._cipher.decryptString(value, context)
        try:
            return plain.decode("utf-8")
        except UnicodeDecodeError:
            raise DecryptionError("decrypted value is not UTF-8 text") from None

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


def createCrypto(settings: CryptoSettings) -> CryptoService:
    cipher = RecordCipher(
        settings.masterKeyBytes(),
        settings.argon2MemoryKib,
        settings.argon2Iterations,
        settings.argon2Parallelism,
    )
    return CryptoService(cipher)
