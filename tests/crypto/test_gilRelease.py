from __future__ import annotations

import threading
import time
from collections.abc import Callable

import k_services_crypto as kcrypto

from tests.crypto.conftest import MASTER_KEY


def longestStall(work: Callable[[], object]) -> tuple[float, float]:
    # Ticks this thread while `work` runs in another one; returns (longest gap between ticks, total time).
    worker = threading.Thread(target=work)
    started = time.perf_counter()
    worker.start()
    last = started
    longest = 0.0
    while worker.is_alive():
        time.sleep(0.0005)
        now = time.perf_counter()
        longest = max(longest, now - last)
        last = now
    worker.join()
    return longest, time.perf_counter() - started


def testArgon2idReleasesTheGil() -> None:
    stall, total = longestStall(lambda: kcrypto.argon2id(MASTER_KEY, kcrypto.KEK_SALT, 65536, 3, 1, 32))
    assert stall < total / 3


def testKekDerivationReleasesTheGil() -> None:
    stall, total = longestStall(lambda: kcrypto.RecordCipher(MASTER_KEY, 65536, 3, 1))
    assert stall < total / 3


# Bytes results are allocated and filled with the GIL released; holding it for the whole call gives
# stall == total.
def testBulkDecryptionReleasesTheGil(cipher: kcrypto.RecordCipher) -> None:
    output = cipher.encrypt(bytes(64 * 1024 * 1024), "user:1")
    stall, total = longestStall(lambda: cipher.decrypt(output, "user:1"))
    assert stall < total / 3


def testBulkEncryptionReleasesTheGil(cipher: kcrypto.RecordCipher) -> None:
    payload = bytes(64 * 1024 * 1024)
    stall, total = longestStall(lambda: cipher.encrypt(payload, "user:1"))
    assert stall < total / 3


# The string form's result becomes a Python str with the GIL held, hence the looser bound.
def testBulkStringEncryptionReleasesTheGil(cipher: kcrypto.RecordCipher) -> None:
    payload = bytes(64 * 1024 * 1024)
    stall, total = longestStall(lambda: cipher.encryptToString(payload, "user:1"))
    assert stall < total * 0.75
