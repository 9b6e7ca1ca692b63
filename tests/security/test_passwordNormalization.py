from __future__ import annotations

from types import SimpleNamespace

import pytest
from argon2 import PasswordHasher as Argon2Hasher

from shared.backend.config.settings import Settings
from shared.backend.security import passwordForm as passwordFormModule
from shared.backend.security.passwordForm import passwordForm
from shared.backend.security.passwordHasher import MATCH, MATCH_REHASH, MISMATCH, PasswordCheck, PasswordHasher

COMPOSED = "Caf\u00e9 au lait 42"
DECOMPOSED = "Cafe\u0301 au lait 42"
FULLWIDTH = "\uff23\uff41\uff46\uff45 \uff4c\uff41\uff49\uff54 \uff14\uff12"
FULLWIDTH_FORM = "Cafe lait 42"


class CountingHasher(PasswordHasher):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings.auth)
        self.runs: list[str] = []

    def verifySync(self, passwordHash: str, password: str) -> bool:
        self.runs.append(password)
        return super().verifySync(passwordHash, password)

    async def counted(self, passwordHash: str | None, password: str) -> tuple[PasswordCheck, int]:
        self.runs.clear()
        return await self.check(passwordHash, password), len(self.runs)


@pytest.fixture(scope="module")
def hasher(settings: Settings) -> CountingHasher:
    return CountingHasher(settings)


# A hash stored before passwords were normalized: Argon2id of the password as sent, with the configured parameters.
def legacyHash(settings: Settings, password: str) -> str:
    auth = settings.auth
    return Argon2Hasher(time_cost=auth.argon2TimeCost, memory_cost=auth.argon2MemoryKib,
                        parallelism=auth.argon2Parallelism).hash(password)


def test_passwordFormIsNfkcAndAsciiIsItself() -> None:
    ascii = "plain ascii password"
    assert passwordForm(ascii) is ascii
    assert passwordForm(DECOMPOSED) == passwordForm(COMPOSED) == COMPOSED
    assert passwordForm(FULLWIDTH) == FULLWIDTH_FORM


async def test_composedAndDecomposedAreOnePassword(hasher: CountingHasher) -> None:
    for stored, typed in ((DECOMPOSED, COMPOSED), (COMPOSED, DECOMPOSED), (DECOMPOSED, DECOMPOSED)):
        assert await hasher.counted(await hasher.hash(stored), typed) == (MATCH, 1)


async def test_fullwidthLettersAreTheirAsciiForm(hasher: CountingHasher) -> None:
    assert await hasher.counted(await hasher.hash(FULLWIDTH), FULLWIDTH_FORM) == (MATCH, 1)
    assert await hasher.counted(await hasher.hash(FULLWIDTH_FORM), FULLWIDTH) == (MATCH, 1)
    assert await hasher.verify(await hasher.hash(FULLWIDTH), FULLWIDTH_FORM)


async def test_aHashOfThePasswordAsSentMatchesOnceAndAsksForARehash(hasher: CountingHasher, settings: Settings) -> None:
    stored = legacyHash(settings, DECOMPOSED)
    assert await hasher.counted(stored, DECOMPOSED) == (MATCH_REHASH, 2)
    assert await hasher.verify(stored, DECOMPOSED)
    # The input it was made from only: the composed form is already NFKC, so nothing else is tried.
    assert await hasher.counted(stored, COMPOSED) == (MISMATCH, 1)
    assert await hasher.counted(await hasher.hash(DECOMPOSED), COMPOSED) == (MATCH, 1)


async def test_olderArgon2ParametersStillAskForARehash(hasher: CountingHasher) -> None:
    older = Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1).hash(COMPOSED)
    assert await hasher.counted(older, COMPOSED) == (MATCH_REHASH, 1)
    assert await hasher.counted(older, DECOMPOSED) == (MATCH_REHASH, 1)


async def test_wrongNonAsciiPasswordsFail(hasher: CountingHasher, settings: Settings) -> None:
    stored = await hasher.hash(COMPOSED)
    assert await hasher.counted(stored, "Cafe\u0300 au lait 42") == (MISMATCH, 2)
    assert await hasher.counted(stored, "Caf\u00e8 au lait 42") == (MISMATCH, 1)
    assert not await hasher.verify(legacyHash(settings, DECOMPOSED), "Cafe\u0300 au lait 42")


# An unknown account costs what a wrong password costs a known one, for the same input.
@pytest.mark.parametrize("typed", ["wrong ascii 42", "Caf\u00e8 au lait 42", "Cafe\u0300 au lait 42", FULLWIDTH])
async def test_dummyVerifiesCostWhatAWrongPasswordCosts(hasher: CountingHasher, typed: str) -> None:
    known = await hasher.counted(await hasher.hash("the right one 42"), typed)
    assert known[0] == MISMATCH
    assert await hasher.counted(None, typed) == known


async def test_theDummyPasswordNeverMatches(hasher: CountingHasher) -> None:
    assert await hasher.counted(None, "kservices-dummy-password") == (MISMATCH, 1)


async def test_asciiPasswordsAreNeverNormalized(hasher: CountingHasher, monkeypatch: pytest.MonkeyPatch) -> None:
    stored = await hasher.hash("plain ascii password")

    def refused(form: str, text: str) -> str:
        raise AssertionError("an ASCII password was normalized")

    monkeypatch.setattr(passwordFormModule, "unicodedata", SimpleNamespace(normalize=refused))
    assert await hasher.counted(stored, "plain ascii password") == (MATCH, 1)
    assert await hasher.counted(stored, "another ascii one") == (MISMATCH, 1)


# `if not await hasher.check(...)` would let every password in: the answer refuses to be a truth value.
def test_aCheckIsNoTruthValue() -> None:
    with pytest.raises(TypeError):
        bool(MATCH)
    with pytest.raises(TypeError):
        bool(MISMATCH)
