from __future__ import annotations

import base64

import k_services_crypto as kcrypto
import pytest

from shared.backend.config.secretSettings import CryptoSettings
from shared.backend.cryptoFactory import CryptoService, createCrypto

MASTER_KEY = bytes(range(32, 80))
OTHER_MASTER_KEY = bytes(range(100, 148))
DEFAULT_PARAMS = (19456, 2, 1)


@pytest.fixture(scope="session")
def cipher() -> kcrypto.RecordCipher:
    return kcrypto.RecordCipher(MASTER_KEY, *DEFAULT_PARAMS)


@pytest.fixture(scope="session")
def otherCipher() -> kcrypto.RecordCipher:
    return kcrypto.RecordCipher(OTHER_MASTER_KEY, *DEFAULT_PARAMS)


@pytest.fixture(scope="session")
def kek() -> bytes:
    # Recomputed from the documented construction, independently of RecordCipher.
    return kcrypto.argon2id(MASTER_KEY, kcrypto.KEK_SALT, *DEFAULT_PARAMS, 32)


@pytest.fixture(scope="session")
def cryptoSettings() -> CryptoSettings:
    return CryptoSettings(
        CRYPTO_MASTER_KEY=base64.b64encode(MASTER_KEY).decode(),
        CRYPTO_ARGON2_MEMORY_KIB=DEFAULT_PARAMS[0],
        CRYPTO_ARGON2_ITERATIONS=DEFAULT_PARAMS[1],
        CRYPTO_ARGON2_PARALLELISM=DEFAULT_PARAMS[2],
        _env_file=None,
    )


@pytest.fixture(scope="session")
def service(cryptoSettings: CryptoSettings) -> CryptoService:
    return createCrypto(cryptoSettings)
