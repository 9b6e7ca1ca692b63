from __future__ import annotations

import time
from pathlib import Path

import httpx2
import pyotp

from KAuthApp.tests.authTestSupport import PASSWORD, auditRows, bearer, login, registerVerified
from KAuthApp.tests.test_mfa import enableMfa
from shared.backend.database.engine import Database

NEW_PASSWORD = "a brand new passphrase 7"
THRESHOLD = 5


def codeOf(response: httpx2.Response) -> str:
    return response.json()["error"]["code"]


def withoutRequestId(response: httpx2.Response) -> dict[str, object]:
    error = dict(response.json()["error"])
    error.pop("requestId")
    return error


async def signedIn(client: httpx2.AsyncClient, outboxDir: Path) -> tuple[str, dict[str, str]]:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    client.cookies.clear()
    return address, tokens


async def changePassword(client: httpx2.AsyncClient, tokens: dict[str, str], current: str,
                         new: str = NEW_PASSWORD) -> httpx2.Response:
    return await client.post("/api/auth/password/change", headers=bearer(tokens),
                             json={"currentPassword": current, "newPassword": new})


async def test_wrongCurrentPasswordsLockTheAccount(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address, tokens = await signedIn(client, outboxDir)
    answers = [await changePassword(client, tokens, f"guess number {attempt}") for attempt in range(THRESHOLD)]
    assert [codeOf(answer) for answer in answers] == ["invalid_password"] * (THRESHOLD - 1) + ["account_locked"]
    assert answers[-1].status_code == 423
    assert answers[-1].headers["retry-after"]
    right = await changePassword(client, tokens, PASSWORD)
    assert right.status_code == 423
    assert codeOf(right) == "account_locked"
    # The same lock as a login's: the right password does not sign in either.
    assert codeOf(await client.post("/api/auth/login", json={"email": address, "password": PASSWORD})) \
        == "account_locked"
    rows = await auditRows(database, address)
    assert [row[:2] for row in rows if row[0] == "auth.lockout"] == [("auth.lockout", "success")]
    failures = [row[4] for row in rows if row[0] == "auth.password_change" and row[1] == "failure"]
    assert len(failures) == THRESHOLD + 1
    assert "wrong_password" in failures[0] and "locked_out" in failures[-1]
    assert not [row for row in rows if row[0] == "auth.password_change" and row[1] == "success"]


async def test_weakNewPasswordTellsNothingOfTheCurrentOne(client: httpx2.AsyncClient, outboxDir: Path) -> None:
    _, tokens = await signedIn(client, outboxDir)
    wrong = await changePassword(client, tokens, "not it at all", "x")
    right = await changePassword(client, tokens, PASSWORD, "x")
    assert wrong.status_code == right.status_code == 422
    assert withoutRequestId(wrong) == withoutRequestId(right)
    assert codeOf(wrong) == "weak_password"
    # Nothing was counted: four wrong guesses still answer invalid_password, and then the right one works.
    for attempt in range(THRESHOLD - 1):
        assert codeOf(await changePassword(client, tokens, f"guess number {attempt}")) == "invalid_password"
    assert (await changePassword(client, tokens, PASSWORD)).status_code == 204


async def test_successResetsTheReauthenticationCount(client: httpx2.AsyncClient, outboxDir: Path) -> None:
    address, tokens = await signedIn(client, outboxDir)
    for attempt in range(THRESHOLD - 1):
        assert codeOf(await changePassword(client, tokens, f"guess number {attempt}")) == "invalid_password"
    assert (await changePassword(client, tokens, PASSWORD)).status_code == 204
    for attempt in range(THRESHOLD - 1):
        wrong = await client.post("/api/auth/login", json={"email": address, "password": f"guess {attempt} again"})
        assert codeOf(wrong) == "invalid_credentials"


async def test_totpSetupNeedsThePassword(client: httpx2.AsyncClient, outboxDir: Path, database: Database) -> None:
    address, tokens = await signedIn(client, outboxDir)
    missing = await client.post("/api/auth/mfa/totp/setup", headers=bearer(tokens))
    assert missing.status_code == 422
    assert codeOf(missing) == "validation_failed"
    wrong = await client.post("/api/auth/mfa/totp/setup", headers=bearer(tokens), json={"password": "not mine"})
    assert wrong.status_code == 403
    assert codeOf(wrong) == "invalid_password"
    assert "secret" not in wrong.text
    rows = await auditRows(database, address)
    assert ("auth.mfa_setup", "failure") in [row[:2] for row in rows]
    assert ("auth.mfa_setup", "success") not in [row[:2] for row in rows]
    right = await client.post("/api/auth/mfa/totp/setup", headers=bearer(tokens), json={"password": PASSWORD})
    assert right.status_code == 200
    assert pyotp.TOTP(right.json()["secret"]).now()


async def test_wrongCodesOnMfaDisableLockTheAccount(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address, tokens = await signedIn(client, outboxDir)
    totp, _, _ = await enableMfa(client, tokens)
    current = totp.now()
    wrongCode = "000000" if current != "000000" else "111111"
    answers = [await client.post("/api/auth/mfa/totp/disable", headers=bearer(tokens),
                                 json={"password": PASSWORD, "code": wrongCode}) for _ in range(THRESHOLD)]
    assert [codeOf(answer) for answer in answers] == ["invalid_mfa_code"] * (THRESHOLD - 1) + ["account_locked"]
    right = await client.post("/api/auth/mfa/totp/disable", headers=bearer(tokens),
                              json={"password": PASSWORD, "code": totp.at(time.time() + 30)})
    assert right.status_code == 423
    assert (await client.get("/api/auth/me", headers=bearer(tokens))).json()["mfaEnabled"] is True
    rows = await auditRows(database, address)
    assert [row[0] for row in rows].count("auth.lockout") == 1
    assert len([row for row in rows if row[:2] == ("auth.mfa_disable", "failure")]) == THRESHOLD + 1


# A pending setup's code cannot be guessed without limit by someone holding only an access token (the setup needs
# the password): wrong codes count toward the lockout, and then even the right code waits.
async def test_wrongCodesOnMfaEnableLockTheAccount(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address, tokens = await signedIn(client, outboxDir)
    setup = await client.post("/api/auth/mfa/totp/setup", headers=bearer(tokens), json={"password": PASSWORD})
    totp = pyotp.TOTP(setup.json()["secret"])
    wrongCode = "000000" if totp.now() != "000000" else "111111"
    answers = [await client.post("/api/auth/mfa/totp/enable", headers=bearer(tokens), json={"code": wrongCode})
               for _ in range(THRESHOLD)]
    assert [codeOf(answer) for answer in answers] == ["invalid_mfa_code"] * (THRESHOLD - 1) + ["account_locked"]
    right = await client.post("/api/auth/mfa/totp/enable", headers=bearer(tokens), json={"code": totp.now()})
    assert right.status_code == 423
    assert (await client.get("/api/auth/me", headers=bearer(tokens))).json()["mfaEnabled"] is False
    rows = await auditRows(database, address)
    assert [row[0] for row in rows].count("auth.lockout") == 1
    failures = [row[4] for row in rows if row[:2] == ("auth.mfa_enable", "failure")]
    assert len(failures) == THRESHOLD + 1
    assert '"failedLoginCount": 1' in failures[0] and "locked_out" in failures[-1]
