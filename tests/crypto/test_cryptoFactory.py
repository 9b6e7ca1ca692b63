from __future__ import annotations

import asyncio
import threading

import k_services_crypto as kcrypto
import pytest

from shared.backend.config.secretSettings import CryptoSettings
from shared.backend.cryptoFactory import CryptoSelfTestError, CryptoService, DecryptionError, createCrypto


class ThreadRecordingCipher:
    def __init__(self, inner: kcrypto.RecordCipher) -> None:
        self.inner = inner
        self.threads: list[int] = []
        self.paramsId = inner.paramsId

    def encryptToString(self, plaintext: bytes, context: str) -> str:
        self.threads.append(threading.get_ident())
        return self.inner.encryptToString(plaintext, context)

    def decryptString(self, value: str, context: str) -> bytes:
        self.threads.append(threading.get_ident())
        return self.inner.decryptString(value, context)


class BrokenCipher(ThreadRecordingCipher):
    def decryptString(self, value: str, context: str) -> bytes:
        return b"tampered"


def testDecryptionErrorIsTheModuleError() -> None:
    assert DecryptionError is kcrypto.DecryptionError
    assert issubclass(DecryptionError, ValueError)


def testRoundTripText(service: CryptoService) -> None:
    for text in ["", "0812-3456-7890", "Jl. Sudirman No. 1, Jakarta", "é中文" * 100]:
        value = service.encryptSensitive(text, "user:1")
        assert isinstance(value, str)
        assert value.isascii()
        assert service.decryptSensitive(value, "user:1") == text


def testContextIsBound(service: CryptoService) -> None:
    value = service.encryptSensitive("secret", "user:1|device:aa")
    with pytest.raises(DecryptionError):
        service.decryptSensitive(value, "user:1|device:ab")
    with pytest.raises(ValueError, match="context"):
        service.encryptSensitive("secret", "")


def testMatchesRecordCipherFromSameSettings(service: CryptoService, cipher: kcrypto.RecordCipher) -> None:
    assert service.paramsId == 1
    value = service.encryptSensitive("shared", "user:9")
    assert cipher.decryptString(value, "user:9") == b"shared"


def testNonUtf8PlaintextIsADecryptionError(service: CryptoService, cipher: kcrypto.RecordCipher) -> None:
    value = cipher.encryptToString(b"\xff\xfe", "user:1")
    with pytest.raises(DecryptionError, match="UTF-8"):
        service.decryptSensitive(value, "user:1")


def testCreateCryptoUsesTheMasterKey(cryptoSettings: CryptoSettings) -> None:
    other = CryptoSettings(
        CRYPTO_MASTER_KEY="b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktMzI=",
        _env_file=None,
    )
    first = createCrypto(cryptoSettings)
    second = createCrypto(other)
    with pytest.raises(DecryptionError):
        second.decryptSensitive(first.encryptSensitive("x", "user:1"), "user:1")


async def testAsyncVariantsRunOffTheEventLoopThread(cipher: kcrypto.RecordCipher) -> None:
    recording = ThreadRecordingCipher(cipher)
    service = CryptoService(recording)
    loopThread = threading.get_ident()
    value = await service.encryptSensitiveAsync("async text", "user:5")
    assert await service.decryptSensitiveAsync(value, "user:5") == "async text"
    assert len(recording.threads) == 2
    assert loopThread not in recording.threads


async def testAsyncVariantsRunConcurrently(service: CryptoService) -> None:
    texts = [f"value-{index}" * 50 for index in range(50)]
    values = await asyncio.gather(*(service.encryptSensitiveAsync(text, f"user:{i}") for i, text in enumerate(texts)))
    restored = await asyncio.gather(
        *(service.decryptSensitiveAsync(value, f"user:{i}") for i, value in enumerate(values))
    )
    assert restored == texts
    with pytest.raises(DecryptionError):
        await service.decryptSensitiveAsync(values[0], "user:1")


def testSelfTestReturnsLatency(service: CryptoService) -> None:
    latency = service.selfTest()
    assert isinstance(latency, float)
    assert latency > 0  # how long it took is bench/crypto.py's business, not a test's


def testSelfTestFailsOnABrokenCipher(cipher: kcrypto.RecordCipher) -> None:
    with pytest.raises(CryptoSelfTestError):
        CryptoService(BrokenCipher(cipher)).selfTest()
