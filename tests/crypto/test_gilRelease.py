from __future__ import annotations

import sys
import threading
from collections.abc import Callable

import k_services_crypto as kcrypto
import pytest

from tests.crypto.conftest import MASTER_KEY

# Longer than any call here, so no thread is ever made to hand over the GIL: it changes hands only
# when its holder releases it (a blocking wait, or the Rust code's allow_threads).
NO_FORCED_SWITCH = 600.0


@pytest.fixture(scope="module")
def payload() -> bytes:
    # Large enough that each bulk call runs far longer than the counting thread takes to wake up.
    return bytes(128 * 1024 * 1024)


def ticksDuring(work: Callable[[], object]) -> int:
    # A second thread counts while `work` runs in this one; returns how far it counted during the call.
    # Between the two reads this thread gives the GIL away only if `work` releases it, so a call that
    # keeps the GIL gives exactly 0, however long it runs.
    ticks = [0]
    stop = threading.Event()

    def count() -> None:
        while not stop.wait(0.0001):
            ticks[0] += 1

    # Set before the thread starts, so that none of its waits for the GIL uses the short default.
    previous = sys.getswitchinterval()
    sys.setswitchinterval(NO_FORCED_SWITCH)
    counter = threading.Thread(target=count)
    try:
        counter.start()
        before = ticks[0]
        work()
        return ticks[0] - before
    finally:
        stop.set()
        counter.join()
        sys.setswitchinterval(previous)


# Control: builtins.sum over a range is a C loop that never releases the GIL; the counter stands still.
def testACallKeepingTheGilIsNotCounted() -> None:
    assert ticksDuring(lambda: sum(range(40_000_000))) == 0


def testArgon2idReleasesTheGil() -> None:
    assert ticksDuring(lambda: kcrypto.argon2id(MASTER_KEY, kcrypto.KEK_SALT, 65536, 6, 1, 32)) > 0


def testKekDerivationReleasesTheGil() -> None:
    assert ticksDuring(lambda: kcrypto.RecordCipher(MASTER_KEY, 65536, 6, 1)) > 0


# Bytes results are allocated and filled with the GIL released.
def testBulkDecryptionReleasesTheGil(cipher: kcrypto.RecordCipher, payload: bytes) -> None:
    output = cipher.encrypt(payload, "user:1")
    assert ticksDuring(lambda: cipher.decrypt(output, "user:1")) > 0


def testBulkEncryptionReleasesTheGil(cipher: kcrypto.RecordCipher, payload: bytes) -> None:
    assert ticksDuring(lambda: cipher.encrypt(payload, "user:1")) > 0


# The string form's result becomes a Python str with the GIL held; the encryption before it does not.
def testBulkStringEncryptionReleasesTheGil(cipher: kcrypto.RecordCipher, payload: bytes) -> None:
    assert ticksDuring(lambda: cipher.encryptToString(payload, "user:1")) > 0
