from __future__ import annotations

from pathlib import Path

import httpx2
import pytest
from argon2 import PasswordHasher as Argon2Hasher
from argon2.exceptions import VerifyMismatchError
from sqlalchemy import text

from KAuthApp.tests.authTestSupport import bearer, latestToken, login, runSql, uniqueEmail, userIdOf
from shared.backend.config.settings import Settings
from shared.backend.database.engine import Database

COMPOSED = "Caf\u00e9 au lait 2024"
DECOMPOSED = "Cafe\u0301 au lait 2024"
FULLWIDTH = "\uff2b\uff45\uff59\uff42\uff4f\uff41\uff52\uff44 \uff2d\uff49\uff58 \uff17\uff13"
FULLWIDTH_FORM = "Keyboard Mix 73"


async def registered(client: httpx2.AsyncClient, outboxDir: Path, password: str) -> str:
    address = uniqueEmail("nfkc")
    response = await client.post("/api/auth/register", json={"email": address, "password": password})
    assert response.status_code == 202, response.text
    verified = await client.post("/api/auth/verify-email",
                                 json={"token": latestToken(outboxDir, address, "verify-email")})
    assert verified.status_code == 200, verified.text
    return address


async def signIn(client: httpx2.AsyncClient, address: str, password: str) -> httpx2.Response:
    response = await client.post("/api/auth/login", json={"email": address, "password": password})
    client.cookies.clear()
    return response


async def storedHash(database: Database, address: str) -> str:
    async with database.engine.connect() as connection:
        found = await connection.execute(text("SELECT password_hash FROM users WHERE email = :email"),
                                         {"email": address.lower()})
        return str(found.scalar_one())


def argon2Of(settings: Settings) -> Argon2Hasher:
    auth = settings.auth
    return Argon2Hasher(time_cost=auth.argon2TimeCost, memory_cost=auth.argon2MemoryKib,
                        parallelism=auth.argon2Parallelism)


def matches(settings: Settings, passwordHash: str, password: str) -> bool:
    try:
        return argon2Of(settings).verify(passwordHash, password)
    except VerifyMismatchError:
        return False


@pytest.mark.parametrize(("registeredAs", "typed"), [(DECOMPOSED, COMPOSED), (COMPOSED, DECOMPOSED),
                                                     (FULLWIDTH, FULLWIDTH_FORM), (FULLWIDTH_FORM, FULLWIDTH)])
async def test_theSamePasswordTypedAnotherWaySignsIn(
    client: httpx2.AsyncClient, outboxDir: Path, registeredAs: str, typed: str
) -> None:
    address = await registered(client, outboxDir, registeredAs)
    assert (await signIn(client, address, typed)).status_code == 200
    assert (await signIn(client, address, registeredAs)).status_code == 200


async def test_wrongNonAsciiPasswordStillFails(client: httpx2.AsyncClient, outboxDir: Path) -> None:
    address = await registered(client, outboxDir, COMPOSED)
    for wrong in ("Cafe\u0300 au lait 2024", "Caf\u00e8 au lait 2024", "Cafe au lait 2024"):
        response = await signIn(client, address, wrong)
        assert (response.status_code, response.json()["error"]["code"]) == (401, "invalid_credentials"), wrong


# An account whose hash was stored before passwords were normalized: Argon2id of the password as it was sent.
async def test_aHashOfThePasswordAsSentSignsInAndIsRehashed(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, appSettings: Settings, argon2Runs: list[str]
) -> None:
    address = await registered(client, outboxDir, "placeholder password 1")
    legacy = argon2Of(appSettings).hash(DECOMPOSED)
    async with database.engine.begin() as connection:
        await connection.execute(text("UPDATE users SET password_hash = :hash WHERE email = :email"),
                                 {"hash": legacy, "email": address.lower()})
    argon2Runs.clear()
    assert (await signIn(client, address, DECOMPOSED)).status_code == 200
    assert len(argon2Runs) == 2
    rehashed = await storedHash(database, address)
    assert rehashed != legacy
    assert matches(appSettings, rehashed, COMPOSED)
    assert not matches(appSettings, rehashed, DECOMPOSED)
    # Now one Argon2 run for either form, on the usual path.
    for typed in (COMPOSED, DECOMPOSED):
        argon2Runs.clear()
        assert (await signIn(client, address, typed)).status_code == 200
        assert len(argon2Runs) == 1
    assert await storedHash(database, address) == rehashed


# Re-authentication inside a session (here MFA setup) rehashes such a hash as a login does.
async def test_reauthenticationRehashesAHashOfThePasswordAsSent(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, appSettings: Settings
) -> None:
    address = await registered(client, outboxDir, DECOMPOSED)
    response = await signIn(client, address, DECOMPOSED)
    tokens = response.json()
    legacy = argon2Of(appSettings).hash(DECOMPOSED)
    async with database.engine.begin() as connection:
        await connection.execute(text("UPDATE users SET password_hash = :hash WHERE email = :email"),
                                 {"hash": legacy, "email": address.lower()})
    setup = await client.post("/api/auth/mfa/totp/setup", headers=bearer(tokens), json={"password": DECOMPOSED})
    assert setup.status_code == 200, setup.text
    rehashed = await storedHash(database, address)
    assert rehashed != legacy
    assert matches(appSettings, rehashed, COMPOSED)
    assert not matches(appSettings, rehashed, DECOMPOSED)


# Unknown and locked accounts cost the dummy hash as often as a wrong password costs a known account.
async def test_dummyRunsMatchAWrongPasswordsRuns(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, argon2Runs: list[str]
) -> None:
    address = await registered(client, outboxDir, COMPOSED)
    locked = await registered(client, outboxDir, COMPOSED)
    await runSql(database, "UPDATE users SET locked_until = now() + interval '1 hour' WHERE id = :id",
                 await userIdOf(database, locked))
    for typed, runs in (("Cafe\u0300 au lait 2024", 2), (FULLWIDTH, 2), ("Caf\u00e8 au lait 2024", 1)):
        for email in (address, uniqueEmail(), locked):
            argon2Runs.clear()
            assert (await signIn(client, email, typed)).status_code in (401, 423)
            assert len(argon2Runs) == runs, (email, typed)


async def test_policyJudgesTheNormalizedForm(client: httpx2.AsyncClient, outboxDir: Path) -> None:
    # Ten code points, five characters.
    short = await client.post("/api/auth/register",
                              json={"email": uniqueEmail(), "password": "e\u0301" * 5})
    assert short.status_code == 422, short.text
    assert short.json()["error"]["details"][0]["rule"] == "min_length"
    common = await client.post("/api/auth/register", json={
        "email": uniqueEmail(), "password": "\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44\uff11\uff12\uff13"})
    assert common.status_code == 422, common.text
    assert common.json()["error"]["details"][0]["rule"] == "common_password"
    # Six ligatures (U+FB03) are eighteen letters once normalized; "ffi" alone is not a common password.
    address = await registered(client, outboxDir, "\ufb03" * 6)
    assert (await signIn(client, address, "ffi" * 6)).status_code == 200


async def test_changedAndResetPasswordsAreNormalized(client: httpx2.AsyncClient, outboxDir: Path) -> None:
    address = await registered(client, outboxDir, COMPOSED)
    tokens = await login(client, address, DECOMPOSED)
    changed = await client.post("/api/auth/password/change", headers=bearer(tokens),
                                json={"currentPassword": DECOMPOSED, "newPassword": FULLWIDTH})
    client.cookies.clear()
    assert changed.status_code == 204, changed.text
    assert (await signIn(client, address, FULLWIDTH_FORM)).status_code == 200
    assert (await client.post("/api/auth/password/forgot", json={"email": address})).status_code == 202
    reset = await client.post("/api/auth/password/reset", json={
        "token": latestToken(outboxDir, address, "reset-password"), "newPassword": DECOMPOSED})
    assert reset.status_code == 204, reset.text
    assert (await signIn(client, address, COMPOSED)).status_code == 200
