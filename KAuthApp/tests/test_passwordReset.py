from __future__ import annotations

from pathlib import Path

import httpx2

from KAuthApp.tests.authTestSupport import (
    PASSWORD,
    auditRows,
    bearer,
    latestToken,
    login,
    mailsTo,
    registerVerified,
    runSql,
    uniqueEmail,
    userIdOf,
)
from shared.backend.database.engine import Database

NEW_PASSWORD = "reset to something fresh 9"


async def test_forgotAnswersAlikeForUnknownAddresses(client: httpx2.AsyncClient, outboxDir: Path) -> None:
    address = await registerVerified(client, outboxDir)
    known = await client.post("/api/auth/password/forgot", json={"email": address})
    stranger = uniqueEmail()
    unknown = await client.post("/api/auth/password/forgot", json={"email": stranger})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert latestToken(outboxDir, address, "reset-password")
    assert mailsTo(outboxDir, stranger) == []


async def test_resetSetsPasswordEndsSessionsAndIsSingleUse(client: httpx2.AsyncClient, outboxDir: Path) -> None:
    address = await registerVerified(client, outboxDir)
    session = await login(client, address)
    client.cookies.clear()
    await client.post("/api/auth/password/forgot", json={"email": address})
    token = latestToken(outboxDir, address, "reset-password")
    weak = await client.post("/api/auth/password/reset", json={"token": token, "newPassword": "password1"})
    assert weak.status_code == 422
    assert weak.json()["error"]["code"] == "weak_password"
    assert weak.json()["error"]["details"][0]["field"] == "newPassword"
    reset = await client.post("/api/auth/password/reset", json={"token": token, "newPassword": NEW_PASSWORD})
    assert reset.status_code == 204
    assert (await client.get("/api/auth/me", headers=bearer(session))).status_code == 401
    again = await client.post("/api/auth/password/reset", json={"token": token, "newPassword": "yet another one 55"})
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "token_invalid_or_used"
    assert (await client.post("/api/auth/login", json={"email": address, "password": PASSWORD})).status_code == 401
    assert (await login(client, address, NEW_PASSWORD))["accessToken"]
    client.cookies.clear()


# A second forgot leaves the first link usable (its mail may never arrive); a reset with any one of them voids the
# others, so no link mailed before the reset sets a password after it.
async def test_usingOneResetLinkVoidsTheOthers(client: httpx2.AsyncClient, outboxDir: Path) -> None:
    address = await registerVerified(client, outboxDir)
    await client.post("/api/auth/password/forgot", json={"email": address})
    first = latestToken(outboxDir, address, "reset-password", count=2)
    await client.post("/api/auth/password/forgot", json={"email": address})
    second = latestToken(outboxDir, address, "reset-password", count=3)
    assert first != second
    verifyToken = await client.post("/api/auth/verify-email", json={"token": second})
    assert verifyToken.status_code == 400
    assert (await client.post("/api/auth/password/reset",
                              json={"token": first, "newPassword": NEW_PASSWORD})).status_code == 204
    stale = await client.post("/api/auth/password/reset",
                              json={"token": second, "newPassword": "chosen by the holder 7"})
    assert (stale.status_code, stale.json()["error"]["code"]) == (400, "token_invalid_or_used")
    assert (await login(client, address, NEW_PASSWORD))["accessToken"]
    client.cookies.clear()


async def test_resetOfDisabledAccountIsRefusedAndAudited(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address = await registerVerified(client, outboxDir)
    await client.post("/api/auth/password/forgot", json={"email": address})
    token = latestToken(outboxDir, address, "reset-password", count=2)
    await runSql(database, "UPDATE users SET status = 'disabled' WHERE id = :id", await userIdOf(database, address))
    refused = await client.post("/api/auth/password/reset", json={"token": token, "newPassword": NEW_PASSWORD})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "token_invalid_or_used"
    failures = [details for action, outcome, _, _, details in await auditRows(database, address)
                if (action, outcome) == ("auth.password_reset", "failure")]
    assert len(failures) == 1
    assert "account_unavailable" in failures[0] and token not in failures[0]


# The owner changes a password they fear is known: a reset link mailed before (perhaps read by someone with
# access to the mailbox) no longer sets one.
async def test_changingThePasswordVoidsOpenResetLinks(client: httpx2.AsyncClient, outboxDir: Path) -> None:
    address = await registerVerified(client, outboxDir)
    await client.post("/api/auth/password/forgot", json={"email": address})
    token = latestToken(outboxDir, address, "reset-password", count=2)
    tokens = await login(client, address)
    changed = await client.post("/api/auth/password/change", headers=bearer(tokens),
                                json={"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD})
    assert changed.status_code == 204, changed.text
    stale = await client.post("/api/auth/password/reset",
                              json={"token": token, "newPassword": "chosen by the holder 7"})
    assert stale.status_code == 400
    assert stale.json()["error"]["code"] == "token_invalid_or_used"
    assert (await login(client, address, NEW_PASSWORD))["accessToken"]
    client.cookies.clear()
