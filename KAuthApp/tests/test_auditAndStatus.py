from __future__ import annotations

import time
from pathlib import Path

import httpx2
import pyotp
from sqlalchemy import text

from KAuthApp.tests.authTestSupport import PASSWORD, auditRows, bearer, latestToken, login, registerVerified
from shared.backend.database.engine import Database

SECRET_WORDS = ("password", "refreshToken", "token", "code\"", "secret")


async def test_everySecurityEventIsAudited(client: httpx2.AsyncClient, outboxDir: Path, database: Database) -> None:
    address = await registerVerified(client, outboxDir)
    await client.post("/api/auth/login", json={"email": address, "password": "wrong password 1"})
    tokens = await login(client, address)
    second = await login(client, address)
    client.cookies.clear()
    refreshed = (await client.post("/api/auth/refresh", json={"refreshToken": second["refreshToken"]})).json()
    sessionId = refreshed["refreshToken"].split(".")[0]
    await client.patch("/api/auth/me", headers=bearer(tokens), json={"phoneNumber": "+628111111111"})
    setup = (await client.post("/api/auth/mfa/totp/setup", headers=bearer(tokens), json={"password": PASSWORD})).json()
    totp = pyotp.TOTP(setup["secret"])
    await client.post("/api/auth/mfa/totp/enable", headers=bearer(tokens), json={"code": totp.now()})
    await client.post("/api/auth/mfa/totp/disable", headers=bearer(tokens),
                      json={"password": PASSWORD, "code": totp.at(time.time() + 30)})
    await client.delete(f"/api/auth/sessions/{sessionId}", headers=bearer(tokens))
    third = await login(client, address)
    client.cookies.clear()
    await client.post("/api/auth/logout", headers=bearer(third))
    newPassword = "changed it again 2024"
    await client.post("/api/auth/password/change", headers=bearer(tokens),
                      json={"currentPassword": PASSWORD, "newPassword": newPassword})
    await client.post("/api/auth/logout-all", headers=bearer(tokens))
    await client.post("/api/auth/password/forgot", json={"email": address})
    token = latestToken(outboxDir, address, "reset-password", count=2)
    await client.post("/api/auth/password/reset", json={"token": token, "newPassword": "and reset once more 3"})

    rows = await auditRows(database, address)
    seen = {(action, outcome) for action, outcome, *_ in rows}
    expected = {
        ("auth.register", "success"), ("auth.verify_email", "success"), ("auth.login", "failure"),
        ("auth.login", "success"), ("auth.profile_update", "success"), ("auth.mfa_setup", "success"),
        ("auth.mfa_enable", "success"), ("auth.mfa_disable", "success"), ("auth.session_revoke", "success"),
        ("auth.logout", "success"), ("auth.password_change", "success"), ("auth.logout_all", "success"),
        ("auth.password_reset_request", "success"), ("auth.password_reset", "success"),
    }
    assert expected <= seen, expected - seen
    for action, _, ip, requestId, details in rows:
        assert ip == "127.0.0.1", action
        assert requestId, action
        assert PASSWORD not in details and newPassword not in details
        assert setup["secret"] not in details and token not in details


async def test_lockoutAndReuseAreAudited(client: httpx2.AsyncClient, outboxDir: Path, database: Database) -> None:
    address = await registerVerified(client, outboxDir)
    for _ in range(5):
        await client.post("/api/auth/login", json={"email": address, "password": "wrong password 1"})
    actions = [row[0] for row in await auditRows(database, address)]
    assert actions.count("auth.lockout") == 1
    assert actions.count("auth.login") == 5


async def test_adminDisabledOrLockedUsersAreRefused(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    client.cookies.clear()
    for status, httpStatus, code in (("disabled", 403, "account_disabled"), ("locked", 423, "account_locked")):
        async with database.engine.begin() as connection:
            await connection.execute(text("UPDATE users SET status = :status WHERE email = :email"),
                                     {"status": status, "email": address.lower()})
        response = await client.post("/api/auth/login", json={"email": address, "password": PASSWORD})
        assert response.status_code == httpStatus
        assert response.json()["error"]["code"] == code
        refused = await client.post("/api/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
        assert refused.status_code == 401
        wrong = await client.post("/api/auth/login", json={"email": address, "password": "not the password"})
        assert wrong.json()["error"]["code"] == "invalid_credentials"
