from __future__ import annotations

import asyncio
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import text

from KAuthApp.tests.authTestSupport import bearer, login, registerVerified, sessionIdOf, userIdOf
from KAuthApp.tests.test_adminTokenVoidRace import waitForLockWaiters
from KAuthApp.tests.test_endedSessionRace import consoleAdmin
from shared.backend.database.engine import Database


# A refresh and an admin's lock of its user, each first to the session's row. The refresh locks only the session and
# reads the user unlocked: first, it sees the account active and rotates, and the lock, waiting on that row, revokes
# the rotated session after it and deletes the key it saved; second, it meets the revoked row. Either way the
# tokens it may hand out stop working.
@pytest.mark.parametrize("refreshFirst", [True, False])
async def test_aRefreshRacingALockLeavesNoWorkingToken(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, gatewayUrl: str, refreshFirst: bool,
) -> None:
    address = await registerVerified(client, outboxDir)
    userId = await userIdOf(database, address)
    tokens = await login(client, address)
    client.cookies.clear()
    async with httpx2.AsyncClient(base_url=gatewayUrl, timeout=20) as console:
        admin = await consoleAdmin(client, outboxDir, database, console)
        async with database.engine.connect() as holder:
            await holder.begin()
            await holder.execute(text("SELECT id FROM sessions WHERE id = :id FOR UPDATE"), {"id": sessionIdOf(tokens)})
            sends = {"refresh": lambda: client.post("/api/auth/refresh", json={"refreshToken": tokens["refreshToken"]}),
                     "lock": lambda: console.post(f"/api/admin/users/{userId}/lock", headers=admin)}
            tasks: dict[str, asyncio.Task[httpx2.Response]] = {}
            for name in ("refresh", "lock") if refreshFirst else ("lock", "refresh"):
                tasks[name] = asyncio.create_task(sends[name]())
                await waitForLockWaiters(database, len(tasks))
            await holder.commit()
        refreshed, locked = await tasks["refresh"], await tasks["lock"]
    assert locked.status_code == 200, locked.text
    assert refreshed.status_code == (200 if refreshFirst else 401), refreshed.text
    issued = refreshed.json() if refreshFirst else tokens
    assert (await client.get("/api/auth/me", headers=bearer(issued))).status_code == 401
    again = await client.post("/api/auth/refresh", json={"refreshToken": issued["refreshToken"]})
    assert again.status_code == 401
