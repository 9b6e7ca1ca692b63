from __future__ import annotations

import dataclasses
from pathlib import Path

import httpx2
from fastapi import Response
from sqlalchemy import text

from KAuthApp.backend.infrastructure.http.refreshCookie import setRefreshCookie
from KAuthApp.tests.authTestSupport import (
    PASSWORD,
    bearer,
    latestToken,
    login,
    registerVerified,
    uniqueEmail,
    waitForMails,
)
from shared.backend.config.settings import Settings
from shared.backend.database.engine import Database


async def test_registerVerifyLoginMe(client: httpx2.AsyncClient, outboxDir: Path) -> None:
    address = uniqueEmail()
    response = await client.post("/api/auth/register", json={"email": address, "password": PASSWORD,
                                                            "displayName": "Ana"})
    assert response.status_code == 202
    assert response.json()["status"] == "verification_sent"
    refused = await client.post("/api/auth/login", json={"email": address, "password": PASSWORD})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "email_not_verified"
    token = latestToken(outboxDir, address, "verify-email")
    verified = await client.post("/api/auth/verify-email", json={"token": token})
    assert verified.status_code == 200
    tokens = await login(client, address.upper())
    assert tokens["tokenType"] == "bearer"
    assert tokens["expiresIn"] > 0
    me = await client.get("/api/auth/me", headers=bearer(tokens))
    assert me.status_code == 200
    body = me.json()
    assert body["email"] == address.lower()
    assert body["displayName"] == "Ana"
    assert body["emailVerified"] is True
    assert body["roles"] == ["user"]
    assert body["mfaEnabled"] is False


async def test_loginSetsHardenedRefreshCookie(client: httpx2.AsyncClient, outboxDir: Path) -> None:
    address = await registerVerified(client, outboxDir)
    response = await client.post("/api/auth/login", json={"email": address, "password": PASSWORD})
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"kauth_refresh={response.json()['refreshToken']};")
    for attribute in ("HttpOnly", "Path=/api/auth", "SameSite=strict"):
        assert attribute.lower() in cookie.lower()
    assert "secure" not in cookie.lower()  # PUBLIC_BASE_URL is http in the test stack
    client.cookies.clear()


async def test_verificationTokenIsSingleUse(client: httpx2.AsyncClient, outboxDir: Path) -> None:
    address = uniqueEmail()
    await client.post("/api/auth/register", json={"email": address, "password": PASSWORD})
    token = latestToken(outboxDir, address, "verify-email")
    assert (await client.post("/api/auth/verify-email", json={"token": token})).status_code == 200
    again = await client.post("/api/auth/verify-email", json={"token": token})
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "token_invalid_or_used"
    bogus = await client.post("/api/auth/verify-email", json={"token": "x" * 43})
    assert bogus.json()["error"]["code"] == "token_invalid_or_used"


# A resend adds a link and leaves the earlier ones usable (its mail may never arrive); using any one of them voids
# the others.
async def test_resendAddsALinkAndUsingOneVoidsTheOthers(client: httpx2.AsyncClient, outboxDir: Path) -> None:
    address = uniqueEmail()
    await client.post("/api/auth/register", json={"email": address, "password": PASSWORD})
    first = latestToken(outboxDir, address, "verify-email")
    resent = await client.post("/api/auth/verify-email/resend", json={"email": address})
    assert resent.status_code == 202
    second = latestToken(outboxDir, address, "verify-email", count=2)
    assert second != first
    assert (await client.post("/api/auth/verify-email", json={"token": first})).status_code == 200
    stale = await client.post("/api/auth/verify-email", json={"token": second})
    assert (stale.status_code, stale.json()["error"]["code"]) == (400, "token_invalid_or_used")
    unknown = await client.post("/api/auth/verify-email/resend", json={"email": uniqueEmail()})
    assert unknown.status_code == 202
    assert unknown.json() == resent.json()


async def test_registerExistingEmailAnswersAlikeAndMailsOwner(client: httpx2.AsyncClient, outboxDir: Path) -> None:
    address = await registerVerified(client, outboxDir)
    fresh = await client.post("/api/auth/register", json={"email": uniqueEmail(), "password": PASSWORD})
    taken = await client.post("/api/auth/register", json={"email": address.upper(), "password": PASSWORD})
    assert taken.status_code == fresh.status_code == 202
    assert taken.json() == fresh.json()
    mails = waitForMails(outboxDir, address, count=2)
    assert "already" in str(mails[-1]["Subject"])
    assert (await login(client, address))["accessToken"]


async def test_weakPasswordsRefusedWithRule(client: httpx2.AsyncClient) -> None:
    address = uniqueEmail("alice")
    cases = {"short1": "min_length", "x" * 129: "max_length", "password123": "common_password",
             f"my{address.split('@')[0].upper()}pw": "contains_email", "iloveyou2": "common_password"}
    for password, rule in cases.items():
        response = await client.post("/api/auth/register", json={"email": address, "password": password})
        assert response.status_code == 422, password
        error = response.json()["error"]
        assert error["code"] == "weak_password"
        assert error["details"][0]["rule"] == rule
        assert error["details"][0]["field"] == "password"


async def test_malformedBodiesGiveFieldDetails(client: httpx2.AsyncClient) -> None:
    response = await client.post("/api/auth/register", json={"email": "not-an-email", "password": 12345678})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert {detail["field"] for detail in error["details"]} == {"email", "password"}
    extra = await client.post("/api/auth/login", json={"email": "a@b.example.com", "password": "x", "admin": True})
    assert extra.status_code == 422


# Someone registers an address they do not own; its owner registers it later with their own password and
# proves the mailbox: the account opens with the owner's password, never the first registrant's.
async def test_registerAgainWhilePendingTakesTheNewPassword(client: httpx2.AsyncClient, outboxDir: Path) -> None:
    address, squatter = uniqueEmail(), "squatter passphrase that is long 9"
    await client.post("/api/auth/register", json={"email": address, "password": squatter, "displayName": "Squat"})
    first = latestToken(outboxDir, address, "verify-email")
    again = await client.post("/api/auth/register", json={"email": address, "password": PASSWORD})
    assert again.status_code == 202
    token = latestToken(outboxDir, address, "verify-email", count=2)
    assert (await client.post("/api/auth/verify-email", json={"token": first})).status_code == 400
    assert (await client.post("/api/auth/verify-email", json={"token": token})).status_code == 200
    refused = await client.post("/api/auth/login", json={"email": address, "password": squatter})
    assert refused.json()["error"]["code"] == "invalid_credentials"
    tokens = await login(client, address)
    me = (await client.get("/api/auth/me", headers={"Authorization": f"Bearer {tokens['accessToken']}"})).json()
    assert me["displayName"] is None
    client.cookies.clear()


async def test_expiredVerificationTokenRefused(client: httpx2.AsyncClient, outboxDir: Path, database: Database) -> None:
    address = uniqueEmail()
    await client.post("/api/auth/register", json={"email": address, "password": PASSWORD})
    token = latestToken(outboxDir, address, "verify-email")
    async with database.engine.begin() as connection:
        await connection.execute(text(
            "UPDATE one_time_tokens SET expires_at = now() - interval '1 second' WHERE user_id = "
            "(SELECT id FROM users WHERE email = :email)"), {"email": address.lower()})
    expired = await client.post("/api/auth/verify-email", json={"token": token})
    assert expired.status_code == 400
    assert expired.json()["error"]["code"] == "token_invalid_or_used"


def test_refreshCookieIsSecureBehindHttps(appSettings: Settings) -> None:
    secureSettings = dataclasses.replace(
        appSettings, gateway=appSettings.gateway.model_copy(update={"publicBaseUrl": "https://auth.example.com"}))
    response = Response()
    setRefreshCookie(response, secureSettings, "token-value", 60)
    assert "secure" in response.headers["set-cookie"].lower()


async def test_loginFindsTheAddressAsRegisterStoredIt(client: httpx2.AsyncClient, database: Database) -> None:
    local = uniqueEmail().split("@")[0].lower()
    typed = f"{local}@xn--bcher-kva.de"
    registered = await client.post("/api/auth/register", json={"email": typed, "password": PASSWORD})
    assert registered.status_code == 202
    async with database.engine.begin() as connection:
        stored = await connection.execute(text(
            "UPDATE users SET status = 'active', email_verified_at = now() WHERE email LIKE :local || '@%' "
            "RETURNING email"), {"local": local})
        assert stored.scalar_one() == f"{local}@bücher.de"
    assert (await login(client, typed))["accessToken"]
    assert (await login(client, f" {local.upper()}@BÜCHER.de "))["accessToken"]
    client.cookies.clear()



async def test_deletedAccountIsNeverActivatedByItsLink(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address = uniqueEmail()
    await client.post("/api/auth/register", json={"email": address, "password": PASSWORD})
    token = latestToken(outboxDir, address, "verify-email")
    async with database.engine.begin() as connection:
        await connection.execute(text("UPDATE users SET deleted_at = now() WHERE email = :email"),
                                 {"email": address.lower()})
    refused = await client.post("/api/auth/verify-email", json={"token": token})
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "token_invalid_or_used")
    async with database.engine.connect() as connection:
        status, verifiedAt = (await connection.execute(
            text("SELECT status, email_verified_at FROM users WHERE email = :email"), {"email": address.lower()})).one()
        reasons = (await connection.execute(text(
            "SELECT details->>'reason' FROM audit_logs WHERE action = 'auth.verify_email' AND outcome = 'failure' "
            "AND target_id = (SELECT id::text FROM users WHERE email = :email)"), {"email": address.lower()})).scalars()
        assert list(reasons) == ["account_deleted"]
    assert (status, verifiedAt) == ("pending_verification", None)
