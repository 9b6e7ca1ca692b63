from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import text

from KAuthApp.tests.authTestSupport import PASSWORD, bearer, latestToken, login, registerVerified, runSql, userIdOf
from shared.backend.database.engine import Database

NEW_PASSWORD = "a fresh passphrase for all 8"
# Long enough that the ending request began in an earlier second than the console token it must end.
SECOND_BOUNDARY = 1.2
Send = Callable[[], Awaitable[httpx2.Response]]


async def passwordReset(client: httpx2.AsyncClient, outboxDir: Path, address: str, _tokens: dict[str, str]) -> Send:
    assert (await client.post("/api/auth/password/forgot", json={"email": address})).status_code == 202
    token = latestToken(outboxDir, address, "reset-password")
    return lambda: client.post("/api/auth/password/reset", json={"token": token, "newPassword": NEW_PASSWORD})


async def passwordChange(client: httpx2.AsyncClient, _outboxDir: Path, _address: str, tokens: dict[str, str]) -> Send:
    body = {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}
    return lambda: client.post("/api/auth/password/change", headers=bearer(tokens), json=body)


async def logoutAll(client: httpx2.AsyncClient, _outboxDir: Path, _address: str, tokens: dict[str, str]) -> Send:
    return lambda: client.post("/api/auth/logout-all", headers=bearer(tokens))


async def waitForLockWaiters(database: Database, count: int) -> None:
    query = text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                 "AND wait_event_type = 'Lock'")
    for _ in range(250):
        async with database.engine.connect() as connection:
            if (await connection.execute(query)).scalar_one() >= count:
                return
        await asyncio.sleep(0.02)
    raise AssertionError(f"fewer than {count} requests waited on a lock")


# The account's console login holds its row (as its Argon2 run does) while the request that ends every sign-in
# waits for that row: the login is ordered first, so its token must end too, whatever second the ending request
# began in (it dated the end from its start, and the token issued while it waited outlived it).
@pytest.mark.parametrize("ending", [passwordReset, passwordChange, logoutAll])
async def test_aConsoleLoginTheEndingWaitedForEndsWithIt(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, gatewayUrl: str,
    ending: Callable[[httpx2.AsyncClient, Path, str, dict[str, str]], Awaitable[Send]],
) -> None:
    address = await registerVerified(client, outboxDir, prefix="admin")
    userId = await userIdOf(database, address)
    await runSql(database, "INSERT INTO user_roles (user_id, role_id, created_at) "
                           "SELECT :id, id, now() FROM roles WHERE name = 'admin'", userId)
    send = await ending(client, outboxDir, address, await login(client, address))
    client.cookies.clear()
    async with httpx2.AsyncClient(base_url=gatewayUrl, timeout=20) as console:
        async with database.engine.connect() as holder:
            await holder.begin()
            await holder.execute(text("SELECT id FROM users WHERE id = :id FOR UPDATE"), {"id": userId})
            signIn = asyncio.create_task(console.post("/api/admin/auth/login",
                                                      json={"email": address, "password": PASSWORD}))
            await waitForLockWaiters(database, 1)
            ended = asyncio.create_task(send())
            await waitForLockWaiters(database, 2)
            await asyncio.sleep(SECOND_BOUNDARY)
            await holder.commit()
        signedIn, endedAnswer = await signIn, await ended
        assert signedIn.status_code == 200, signedIn.text
        assert endedAnswer.status_code == 204, endedAnswer.text
        refused = await console.get("/api/admin/users",
                                    headers={"Authorization": f"Bearer {signedIn.json()['accessToken']}"})
        assert refused.status_code == 401  # the token outlived the end of every sign-in
        assert refused.json()["error"]["code"] == "invalid_token"
