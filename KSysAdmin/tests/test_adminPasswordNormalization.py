from __future__ import annotations

import httpx2
import pytest
from argon2 import PasswordHasher as Argon2Hasher
from argon2.exceptions import VerifyMismatchError
from sqlalchemy import text

from KSysAdmin.backend.application.createSuperadmin import CreateSuperadmin
from KSysAdmin.backend.domain.exceptions.adminErrors import WeakPasswordError
from KSysAdmin.backend.domain.models.user import User
from KSysAdmin.backend.domain.passwordStrength import passwordProblems
from KSysAdmin.backend.infrastructure import cli
from KSysAdmin.backend.infrastructure.database.userRepository import UserRepository
from KSysAdmin.tests.adminSupport import AdminWorld
from shared.backend.security.passwordHasher import PasswordHasher
from shared.backend.utils.uuid import generateId

COMPOSED = "Caf\u00e9-Console-7341"
DECOMPOSED = "Cafe\u0301-Console-7341"
FULLWIDTH = "\uff23\uff4f\uff4e\uff53\uff4f\uff4c\uff45\uff0d\uff30\uff41\uff53\uff53\uff0d\uff17\uff13"
FULLWIDTH_FORM = "Console-Pass-73"


def argon2Of(world: AdminWorld) -> Argon2Hasher:
    auth = world.settings.auth
    return Argon2Hasher(time_cost=auth.argon2TimeCost, memory_cost=auth.argon2MemoryKib,
                        parallelism=auth.argon2Parallelism)


async def adminWithHash(world: AdminWorld, passwordHash: str) -> User:
    user = await world.createUser(roles=("admin",))
    async with world.database.engine.begin() as connection:
        await connection.execute(text("UPDATE users SET password_hash = :hash WHERE id = :id"),
                                 {"hash": passwordHash, "id": user.id})
    return user


async def adminLogin(world: AdminWorld, email: str, password: str) -> httpx2.Response:
    return await world.client.post("/api/admin/auth/login", json={"email": email, "password": password})


@pytest.mark.parametrize(("setAs", "typed"), [(DECOMPOSED, COMPOSED), (COMPOSED, DECOMPOSED),
                                              (FULLWIDTH, FULLWIDTH_FORM), (FULLWIDTH_FORM, FULLWIDTH)])
async def test_theSamePasswordTypedAnotherWaySignsIn(world: AdminWorld, setAs: str, typed: str) -> None:
    user = await adminWithHash(world, PasswordHasher(world.settings.auth).hashSync(setAs))
    assert (await adminLogin(world, user.email, typed)).status_code == 200
    assert (await adminLogin(world, user.email, setAs)).status_code == 200


async def test_wrongNonAsciiPasswordStillFails(world: AdminWorld) -> None:
    user = await adminWithHash(world, PasswordHasher(world.settings.auth).hashSync(COMPOSED))
    for wrong in ("Cafe\u0300-Console-7341", "Caf\u00e8-Console-7341", "Cafe-Console-7341"):
        response = await adminLogin(world, user.email, wrong)
        assert (response.status_code, response.json()["error"]["code"]) == (401, "invalid_credentials"), wrong


# An admin whose hash was stored before passwords were normalized: Argon2id of the password as it was sent.
async def test_aHashOfThePasswordAsSentSignsInAndIsRehashed(world: AdminWorld, argon2Runs: list[str]) -> None:
    legacy = argon2Of(world).hash(DECOMPOSED)
    user = await adminWithHash(world, legacy)
    assert (await adminLogin(world, user.email, DECOMPOSED)).status_code == 200
    assert len(argon2Runs) == 2
    rehashed = (await world.getUser(user.id)).passwordHash
    assert rehashed != legacy
    assert argon2Of(world).verify(rehashed, COMPOSED)
    with pytest.raises(VerifyMismatchError):
        argon2Of(world).verify(rehashed, DECOMPOSED)
    argon2Runs.clear()
    assert (await adminLogin(world, user.email, COMPOSED)).status_code == 200
    assert len(argon2Runs) == 1


# Unknown and locked accounts cost the dummy hash as often as a wrong password costs a known admin.
async def test_dummyRunsMatchAWrongPasswordsRuns(world: AdminWorld, argon2Runs: list[str]) -> None:
    user = await adminWithHash(world, PasswordHasher(world.settings.auth).hashSync(COMPOSED))
    locked = await adminWithHash(world, PasswordHasher(world.settings.auth).hashSync(COMPOSED))
    async with world.database.engine.begin() as connection:
        await connection.execute(text("UPDATE users SET locked_until = now() + interval '1 hour' WHERE id = :id"),
                                 {"id": locked.id})
    unknown = f"u{generateId().hex[-16:]}@example.com"
    for typed, runs in (("Cafe\u0300-Console-7341", 2), (FULLWIDTH, 2), ("Caf\u00e8-Console-7341", 1)):
        for email in (user.email, unknown, locked.email):
            argon2Runs.clear()
            assert (await adminLogin(world, email, typed)).status_code == 401
            assert len(argon2Runs) == runs, (email, typed)


def test_policyJudgesTheNormalizedForm() -> None:
    email = "root@example.test"
    # Thirteen code points, eleven characters.
    assert passwordProblems("Cafe\u0301-Sou\u0301p-4", email) == ["must be at least 12 characters"]
    # Eleven code points, thirteen characters (U+FB03 is "ffi").
    assert passwordProblems("Plenty-\ufb03-73", email) == []
    # Fullwidth digits: "123456789012" once normalized.
    assert passwordProblems("\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff10\uff11\uff12", email) == [
        "is too common or too repetitive"]


async def test_createSuperadminHashesTheNormalizedForm(world: AdminWorld) -> None:
    email = f"nfkc-{generateId().hex[-12:]}@example.com"
    async with world.database.sessionFactory() as session:
        useCase = CreateSuperadmin(UserRepository(session), cli.cliAuditTrail(session), session,
                                   PasswordHasher(world.settings.auth))
        with pytest.raises(WeakPasswordError):
            await useCase.execute(email, "\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff10\uff11\uff12")
        assert (await useCase.execute(email, DECOMPOSED)).created
    assert (await adminLogin(world, email, COMPOSED)).status_code == 200
