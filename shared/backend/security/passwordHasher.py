from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher as Argon2Hasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from shared.backend.config.settings import AuthSettings

T = TypeVar("T")


# Runs in each hash thread as it starts: Linux applies nice per thread, so only Argon2id yields its core to
# the event loop and the services a request waits on.
def lowerPriority(increment: int) -> None:
    if increment:
        os.nice(increment)


class PasswordHasher:
    def __init__(self, settings: AuthSettings) -> None:
        self.hasher = Argon2Hasher(
            time_cost=settings.argon2TimeCost,
            memory_cost=settings.argon2MemoryKib,
            parallelism=settings.argon2Parallelism,
        )
        # Verified against for unknown accounts so that they cost the same time as wrong passwords.
        self.dummyHash = self.hasher.hash("kservices-dummy-password")
        # Hashes run on a bounded pool of their own: more at once than cores only evicts each other's
        # memory blocks from the CPU caches, and they never take the default pool's threads.
        self.threads = settings.hashThreads or os.cpu_count() or 1
        self.executor = ThreadPoolExecutor(self.threads, thread_name_prefix="argon2", initializer=lowerPriority,
                                           initargs=(settings.hashNice,))

    def hashSync(self, password: str) -> str:
        return self.hasher.hash(password)

    def verifySync(self, passwordHash: str, password: str) -> bool:
        try:
            return self.hasher.verify(passwordHash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needsRehash(self, passwordHash: str) -> bool:
        try:
            return self.hasher.check_needs_rehash(passwordHash)
        except InvalidHashError:
            return True

    async def hash(self, password: str) -> str:
        return await self.offLoop(self.hashSync, password)

    async def verify(self, passwordHash: str | None, password: str) -> bool:
        if passwordHash is None:
            await self.offLoop(self.verifySync, self.dummyHash, password)
            return False
        return await self.offLoop(self.verifySync, passwordHash, password)

    async def offLoop(self, function: Callable[..., T], *args: str) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executor, function, *args)
