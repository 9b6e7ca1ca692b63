from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx2
import pytest

from KAuthApp.tests.authTestSupport import PASSWORD, bearer, latestToken, login, registerVerified, runSql, userIdOf
from KAuthApp.tests.test_mfa import enableMfa
from shared.backend.database.engine import Database

NEW_PASSWORD = "a fresh passphrase for all 7"
EndAction = Callable[[httpx2.AsyncClient, Path, str, dict[str, str]], Awaitable[int]]


async def resetPassword(client: httpx2.AsyncClient, outboxDir: Path, address: str, _tokens: dict[str, str]) -> int:
    client.cookies.clear()
    await client.post("/api/auth/password/forgot", json={"email": address})
    token = latestToken(outboxDir, address, "reset-password")
    reset = await client.post("/api/auth/password/reset", json={"token": token, "newPassword": NEW_PASSWORD})
    return reset.status_code


async def changePassword(client: httpx2.AsyncClient, _outboxDir: Path, _address: str, tokens: dict[str, str]) -> int:
    body = {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}
    return (await client.post("/api/auth/password/change", headers=bearer(tokens), json=body)).status_code


async def logoutAll(client: httpx2.AsyncClient, _outboxDir: Path, _address: str, tokens: dict[str, str]) -> int:
    return (await client.post("/api/auth/logout-all", headers=bearer(tokens))).status_code


# An account that is also an admin: ending its sign-ins in the public app (someone else knew the password, say)
# ends its admin console token too, at once, not when the token expires.
@pytest.mark.parametrize("endEverything", [resetPassword, changePassword, logoutAll])
async def test_endingEverySignInEndsTheAdminConsoleToken(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, gatewayUrl: str, endEverything: EndAction
) -> None:
    address = await registerVerified(client, outboxDir, prefix="admin")
    await runSql(database, "INSERT INTO user_roles (user_id, role_id, created_at) "
                           "SELECT :id, id, now() FROM roles WHERE name = 'admin'", await userIdOf(database, address))
    tokens = await login(client, address)
    async with httpx2.AsyncClient(base_url=gatewayUrl, timeout=10) as console:
        signedIn = await console.post("/api/admin/auth/login", json={"email": address, "password": PASSWORD})
        assert signedIn.status_code == 200, signedIn.text
        adminToken = {"Authorization": f"Bearer {signedIn.json()['accessToken']}"}
        assert (await console.get("/api/admin/users", headers=adminToken)).status_code == 200
        assert await endEverything(client, outboxDir, address, tokens) == 204
        refused = await console.get("/api/admin/users", headers=adminToken)
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "invalid_token"


# Turning TOTP off ends the account's console tokens, for good: a console that requires TOTP refused them only while
# it was off, so turning it on again (a new authenticator, say after the old one leaked) brought back a token the
# old factor earned; with TOTP not required they outlived the disable altogether.
async def test_turningTotpOffEndsTheAdminConsoleToken(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, gatewayUrl: str
) -> None:
    address = await registerVerified(client, outboxDir, prefix="admin")
    await runSql(database, "INSERT INTO user_roles (user_id, role_id, created_at) "
                           "SELECT :id, id, now() FROM roles WHERE name = 'admin'", await userIdOf(database, address))
    tokens = await login(client, address)
    client.cookies.clear()
    totp, codes, _ = await enableMfa(client, tokens)
    async with httpx2.AsyncClient(base_url=gatewayUrl, timeout=10) as console:
        signedIn = await console.post("/api/admin/auth/login", json={
            "email": address, "password": PASSWORD, "totpCode": totp.at(time.time() + 30)})
        assert signedIn.status_code == 200, signedIn.text
        adminToken = {"Authorization": f"Bearer {signedIn.json()['accessToken']}"}
        assert (await console.get("/api/admin/users", headers=adminToken)).status_code == 200
        disabled = await client.post("/api/auth/mfa/totp/disable", headers=bearer(tokens),
                                     json={"password": PASSWORD, "recoveryCode": codes[0]})
        assert disabled.status_code == 204, disabled.text
        refused = await console.get("/api/admin/users", headers=adminToken)
        assert (refused.status_code, refused.json()["error"]["code"]) == (401, "invalid_token")
        await enableMfa(client, tokens)
        assert (await console.get("/api/admin/users", headers=adminToken)).status_code == 401
