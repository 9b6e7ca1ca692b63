from __future__ import annotations

import uuid
from pathlib import Path

import httpx2

from KAuthApp.backend.infrastructure.database.profileQuery import PROFILE_QUERY, ProfileQuery
from KAuthApp.tests.authTestSupport import bearer, login, registerVerified, runSql, userIdOf
from KAuthApp.tests.statementLog import sqlStatements
from shared.backend.config.settings import Settings
from shared.backend.database.driverPool import DriverPool
from shared.backend.database.engine import Database


async def test_profileQueryLoadsUserAndRolesInOneStatement(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, settings: Settings
) -> None:
    address = await registerVerified(client, outboxDir)
    userId = await userIdOf(database, address)
    pool = DriverPool(settings.database)
    query = ProfileQuery(pool)
    await runSql(database, "INSERT INTO user_roles (user_id, role_id, created_at) "
                           "SELECT :id, id, now() FROM roles WHERE name = 'admin'", userId)
    try:
        await query.profileOf(userId)  # a new connection first reads the server's settings and types
        async with sqlStatements() as statements:
            profile = await query.profileOf(userId)
        assert statements == [PROFILE_QUERY.sql]
        assert profile is not None
        assert (profile.id, profile.email, profile.roles) == (userId, address.lower(), ["admin", "user"])
        assert profile.emailVerified is True
        assert profile.phoneEncrypted is None
        await runSql(database, "DELETE FROM user_roles WHERE user_id = :id", userId)
        roleless = await query.profileOf(userId)
        assert roleless is not None
        assert roleless.roles == []
        for statement in ("UPDATE users SET status = 'locked' WHERE id = :id",
                          "UPDATE users SET status = 'disabled' WHERE id = :id"):
            await runSql(database, statement, userId)
            assert await query.profileOf(userId) is None, statement
        await runSql(database, "UPDATE users SET status = 'active', deleted_at = now() WHERE id = :id", userId)
        assert await query.profileOf(userId) is None
        assert await query.profileOf(uuid.uuid4()) is None
    finally:
        await pool.close()


async def test_getMeRunsOneSqlStatement(client: httpx2.AsyncClient, outboxDir: Path) -> None:
    tokens = await login(client, await registerVerified(client, outboxDir))
    client.cookies.clear()
    async with sqlStatements() as statements:
        me = await client.get("/api/auth/me", headers=bearer(tokens))
    assert me.status_code == 200
    assert me.json()["roles"] == ["user"]
    assert statements == [PROFILE_QUERY.sql], statements
