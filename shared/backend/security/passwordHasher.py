from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import NoReturn, TypeVar

from argon2 import PasswordHasher as Argon2Hasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from shared.backend.config.settings import AuthSettings
from shared.backend.security.passwordForm import passwordForm

T = TypeVar("T")


# A check's answer. `rehash`: it matched, and the stored hash is to be replaced by hash(password): made with older
# Argon2 parameters, or from a password as sent before passwords were normalized (passwordForm).
@dataclass(frozen=True, slots=True)
class PasswordCheck:
    matched: bool
    rehash: bool

    # `if not await hasher.check(...)` would accept every password: the answer must be read as `.matched`.
    def __bool__(self) -> NoReturn:
        raise TypeError("read PasswordCheck.matched")


MISMATCH = PasswordCheck(matched=False, rehash=False)
MATCH = PasswordCheck(matched=True, rehash=False)
MATCH_REHASH = PasswordCheck(matched=True, rehash=True)


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
        return self.hasher.hash(passwordForm(password))

    # Argon2id alone, on the string as given (callers go through check or verify).
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

    # The password's NFKC form; when that fails and the form differs from what was sent, the password as sent (a hash
    # stored before passwords were normalized), which then asks for a rehash. None (an unknown account) runs the
    # dummy hash as many times as a wrong password for a known one, and never matches.
    async def check(self, passwordHash: str | None, password: str) -> PasswordCheck:
        form = passwordForm(password)
        stored = self.dummyHash if passwordHash is None else passwordHash
        if await self.offLoop(self.verifySync, stored, form):
            if passwordHash is None:
                return MISMATCH
            return MATCH_REHASH if self.needsRehash(passwordHash) else MATCH
        if form != password and await self.offLoop(self.verifySync, stored, password) and passwordHash is not None:
            return MATCH_REHASH
        return MISMATCH

    # Whether it matched, for callers that never rehash (the admin sign-in's runs for unknown accounts).
    async def verify(self, passwordHash: str | None, password: str) -> bool:
        return (await self.check(passwordHash, password)).matched

    async def offLoop(self, function: Callable[..., T], *args: str) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executor, function, *args)
