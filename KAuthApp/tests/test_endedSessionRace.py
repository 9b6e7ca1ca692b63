from __future__ import annotations

import asyncio
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import text

from KAuthApp.tests.authTestSupport import PASSWORD, auditRows, bearer, login, registerVerified, runSql, userIdOf
from KAuthApp.tests.test_adminTokenVoidRace import waitForLockWaiters
from shared.backend.database.engine import Database

# What a signed-in user may change, and the body that would change it.
CHANGES = {
    "password": ("POST", "/api/auth/password/change", {"currentPassword": PASSWORD,
                                                      "newPassword": "the intruder's passphrase 9"}),
    "mfa setup": ("POST", "/api/auth/mfa/totp/setup", {"password": PASSWORD}),
    "profile": ("PATCH", "/api/auth/me", {"displayName": "renamed after the lock"}),
}


async def consoleAdmin(client: httpx2.AsyncClient, outboxDir: Path, database: Database,
                       console: httpx2.AsyncClient) -> dict[str, str]:
    address = await registerVerified(client, outboxDir, prefix="admin")
    await runSql(database, "INSERT INTO user_roles (user_id, role_id, created_at) "
                           "SELECT :id, id, now() FROM roles WHERE name = 'admin'", await userIdOf(database, address))
    signedIn = await console.post("/api/admin/auth/login", json={"email": address, "password": PASSWORD})
    assert signedIn.status_code == 200, signedIn.text
    return {"Authorization": f"Bearer {signedIn.json()['accessToken']}"}


# An admin's action that ends the user's sessions commits first; the user's change, whose access token was checked
# before that commit, waited for the account's row behind it. The session it speaks for ended before it could act,
# so it changes nothing: a locked account's password was changed by a session the lock had already revoked.
@pytest.mark.parametrize(("adminAction", "change"), [
    ("lock", "password"), ("disable", "mfa setup"), ("sessions/revoke", "password"), ("sessions/revoke", "profile"),
])
async def test_aChangeWaitingBehindTheEndOfItsSessionIsRefused(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, gatewayUrl: str, adminAction: str, change: str,
) -> None:
    address = await registerVerified(client, outboxDir)
    userId = await userIdOf(database, address)
    tokens = await login(client, address)
    client.cookies.clear()
    method, path, body = CHANGES[change]
    async with httpx2.AsyncClient(base_url=gatewayUrl, timeout=20) as console:
        admin = await consoleAdmin(client, outboxDir, database, console)
        async with database.engine.connect() as holder:
            await holder.begin()
            await holder.execute(text("SELECT id FROM users WHERE id = :id FOR UPDATE"), {"id": userId})
            ended = asyncio.create_task(console.post(f"/api/admin/users/{userId}/{adminAction}", headers=admin))
            await waitForLockWaiters(database, 1)
            changed = asyncio.create_task(client.request(method, path, json=body, headers=bearer(tokens)))
            await waitForLockWaiters(database, 2)
            await holder.commit()
        endedAnswer, changedAnswer = await ended, await changed
    assert endedAnswer.status_code == 200, endedAnswer.text
    assert changedAnswer.status_code == 401, changedAnswer.text
    assert changedAnswer.json()["error"]["code"] == "session_revoked"
    changes = ("auth.password_change", "auth.mfa_setup", "auth.profile_update")
    assert not [row for row in await auditRows(database, address) if row[0] in changes]
