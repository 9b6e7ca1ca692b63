from __future__ import annotations

import asyncpg
import httpx2
import pytest

from KSysAdmin.backend.domain.models.user import User, UserStatus
from KSysAdmin.tests.adminSupport import PASSWORD, AdminWorld
from KSysAdmin.tests.migrationSupport import alembicConfig, connectTo, runAlembic, scratchDatabase
from shared.backend.config.settings import Settings

INSERT_USER = "INSERT INTO users (id, email, password_hash, status) VALUES (gen_random_uuid(), $1, 'h', $2)"

ACTIONS = [("POST", "lock", None), ("POST", "unlock", None), ("POST", "disable", None), ("POST", "enable", None),
           ("PUT", "roles", {"roles": ["user"]}), ("POST", "mfa/reset", None), ("POST", "sessions/revoke", None)]


# An account deleted by its holder through the public API (POST /api/auth/me/delete), as it reaches the console.
async def deletedByHolder(world: AdminWorld, publicClient: httpx2.AsyncClient) -> User:
    user = await world.createUser()
    publicClient.cookies.clear()
    signedIn = await publicClient.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
    assert signedIn.status_code == 200, signedIn.text
    deleted = await publicClient.post("/api/auth/me/delete", json={"password": PASSWORD},
                                      headers={"Authorization": f"Bearer {signedIn.json()['accessToken']}"})
    assert deleted.status_code == 204, deleted.text
    return await world.getUser(user.id)


async def listedIds(world: AdminWorld, headers: dict[str, str], query: str) -> list[str]:
    response = await world.client.get(f"/api/admin/users?{query}", headers=headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_theListShowsDeletedAccountsWithTheirStatus(
    world: AdminWorld, publicClient: httpx2.AsyncClient
) -> None:
    _, headers = await world.adminToken()
    target = await deletedByHolder(world, publicClient)
    assert target.status == UserStatus.DELETED.value
    byStatus = await world.client.get("/api/admin/users?status=deleted&limit=200", headers=headers)
    assert byStatus.status_code == 200, byStatus.text
    [item] = [item for item in byStatus.json()["items"] if item["id"] == str(target.id)]
    assert item["status"] == "deleted" and item["email"] == f"deleted-{target.id}@invalid"
    assert item["roles"] == [] and item["displayName"] is None and item["deletedAt"] is not None
    assert {entry["status"] for entry in byStatus.json()["items"]} == {"deleted"}
    assert str(target.id) in await listedIds(world, headers, f"includeDeleted=true&emailPrefix=deleted-{target.id}")
    # Left out of the default list, as every deleted account is.
    assert str(target.id) not in await listedIds(world, headers, f"emailPrefix=deleted-{target.id}")
    detail = await world.client.get(f"/api/admin/users/{target.id}", headers=headers)
    assert detail.status_code == 200 and detail.json()["status"] == "deleted"


async def test_actionsOnADeletedAccountAreRefused(world: AdminWorld, publicClient: httpx2.AsyncClient) -> None:
    _, headers = await world.adminToken(superadmin=True)
    target = await deletedByHolder(world, publicClient)
    for method, path, body in ACTIONS:
        response = await world.client.request(method, f"/api/admin/users/{target.id}/{path}", headers=headers,
                                              json=body)
        assert response.status_code == 409, f"{path}: {response.text}"
        assert response.json()["error"]["code"] == "account_deleted", path
    stored = await world.getUser(target.id)
    assert (stored.status, stored.updatedAt) == (UserStatus.DELETED.value, target.updatedAt)
    [entry] = await world.auditEntries("user.lock", target.id)
    assert (entry.outcome, entry.details) == ("failure", {"code": "account_deleted"})


# Migration 0014 lets the status be `deleted`; its downgrade makes such accounts disabled (deleted_at still set).
async def test_migration0014AllowsTheDeletedStatus(settings: Settings) -> None:
    async with scratchDatabase(settings.database.url.get_secret_value()) as url:
        config = alembicConfig(url)
        await runAlembic(config, "upgrade", "0014")
        connection = await connectTo(url)
        try:
            await connection.execute(INSERT_USER, "deleted-1@invalid", "deleted")
        finally:
            await connection.close()
        await runAlembic(config, "downgrade", "0013")
        connection = await connectTo(url)
        try:
            assert await connection.fetchval("SELECT status FROM users WHERE email = 'deleted-1@invalid'") == "disabled"
            with pytest.raises(asyncpg.CheckViolationError):
                await connection.execute(INSERT_USER, "deleted-2@invalid", "deleted")
        finally:
            await connection.close()
