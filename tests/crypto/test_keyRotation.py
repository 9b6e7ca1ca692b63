from __future__ import annotations

import base64

import k_services_crypto as kcrypto
import pytest

from shared.backend.config.secretSettings import CryptoSettings
from shared.backend.cryptoFactory import CryptoService, DecryptionError, createCrypto
from tests.crypto.conftest import DEFAULT_PARAMS, MASTER_KEY, OTHER_MASTER_KEY

THIRD_KEY = bytes(range(150, 198))


def rotated(current: bytes, *previous: bytes) -> CryptoService:
    return createCrypto(CryptoSettings(
        CRYPTO_MASTER_KEY=base64.b64encode(current).decode(),
        CRYPTO_PREVIOUS_MASTER_KEYS=",".join(base64.b64encode(key).decode() for key in previous),
        _env_file=None,
    ))


@pytest.fixture(scope="module")
def afterRotation() -> CryptoService:
    return rotated(OTHER_MASTER_KEY, THIRD_KEY, MASTER_KEY)


def testValuesUnderAnyConfiguredKeyDecrypt(afterRotation: CryptoService, service: CryptoService) -> None:
    old = service.encryptSensitive("+628123456789", "user:1")
    older = rotated(THIRD_KEY).encryptSensitive("older", "user:1")
    assert afterRotation.decryptSensitive(old, "user:1") == "+628123456789"
    assert afterRotation.decryptSensitive(older, "user:1") == "older"
    new = afterRotation.encryptSensitive("fresh", "user:1")
    # New values are written under the current key only: the old key alone no longer opens them.
    with pytest.raises(DecryptionError):
        service.decryptSensitive(new, "user:1")
    assert rotated(OTHER_MASTER_KEY).decryptSensitive(new, "user:1") == "fresh"


def testPreviousKeysStillCheckTheContext(afterRotation: CryptoService, service: CryptoService) -> None:
    old = service.encryptSensitive("bound", "user:1")
    with pytest.raises(DecryptionError):
        afterRotation.decryptSensitive(old, "user:2")


def testReencryptMovesOnlyOldValuesToTheCurrentKey(afterRotation: CryptoService, service: CryptoService) -> None:
    old = service.encryptSensitive("JBSWY3DPEHPK3PXP", "user:7|mfa")
    moved = afterRotation.reencryptSensitive(old, "user:7|mfa")
    assert moved is not None and moved != old
    assert rotated(OTHER_MASTER_KEY).decryptSensitive(moved, "user:7|mfa") == "JBSWY3DPEHPK3PXP"
    assert afterRotation.reencryptSensitive(moved, "user:7|mfa") is None


def testReencryptRefusesWhatNoKeyOpens(afterRotation: CryptoService) -> None:
    unknown = kcrypto.RecordCipher(bytes(32), *DEFAULT_PARAMS).encryptToString(b"lost", "user:1")
    with pytest.raises(DecryptionError):
        afterRotation.reencryptSensitive(unknown, "user:1")
    with pytest.raises(DecryptionError):
        afterRotation.decryptSensitive(unknown, "user:1")
    with pytest.raises(ValueError, match="context"):
        afterRotation.reencryptSensitive(unknown, "")
