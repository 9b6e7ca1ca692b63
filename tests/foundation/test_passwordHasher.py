from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest

from shared.backend.config.settings import Settings
from shared.backend.security.passwordHasher import PasswordHasher


class CountingHasher(PasswordHasher):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lock = threading.Lock()
        self.running = self.peak = 0

    def verifySync(self, passwordHash: str, password: str) -> bool:
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        time.sleep(0.05)
        with self.lock:
            self.running -= 1
        return True


@pytest.mark.parametrize("threads", [1, 2])
async def test_hashesRunAtMostHashThreadsAtOnce(settings: Settings, threads: int) -> None:
    hasher = CountingHasher(settings.auth.model_copy(update={"hashThreads": threads}))
    results = await asyncio.gather(*(hasher.verify(hasher.dummyHash, "x") for _ in range(6)))
    assert results == [True] * 6
    assert hasher.peak == threads


async def test_zeroMeansOneThreadPerCore(settings: Settings) -> None:
    hasher = PasswordHasher(settings.auth.model_copy(update={"hashThreads": 0}))
    assert hasher.threads >= 1
    assert await hasher.verify(await hasher.hash("a long passphrase"), "a long passphrase")
    assert not await hasher.verify(None, "a long passphrase")


def threadNice() -> int:
    stat = Path(f"/proc/self/task/{threading.get_native_id()}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[16])


@pytest.mark.parametrize("increment", [0, 5])
async def test_hashThreadsRunAtTheirNiceIncrement(settings: Settings, increment: int) -> None:
    hasher = PasswordHasher(settings.auth.model_copy(update={"hashThreads": 1, "hashNice": increment}))
    base = threadNice()
    assert await asyncio.get_running_loop().run_in_executor(hasher.executor, threadNice) == min(19, base + increment)
    assert threadNice() == base  # the event loop's thread keeps its priority
