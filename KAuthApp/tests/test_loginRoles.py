from __future__ import annotations

import uuid
from pathlib import Path

import httpx2
import jwt
from redis.asyncio import Redis

from KAuthApp.tests.authTestSupport import login, registerVerified, runSql, userIdOf
from shared.backend.config.settings import Settings
from shared.backend.database.engine import Database
from shared.backend.security.sessionStore import sessionKey


def rolesIn(tokens: dict[str, str], settings: Settings) -> list[str]:
    claims = jwt.decode(tokens["accessToken"], settings.jwt.secret.get_secret_value(), algorithms=["HS256"],
                        audience=settings.jwt.userAudience)
    return list(claims["roles"])


# The login reads the role names with the locked user row; the token and the gateway's session key
# carry exactly the roles stored, including none at all.
async def test_loginCarriesTheStoredRoles(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, appSettings: Settings, redisClient: Redis
) -> None:
    address = await registerVerified(client, outboxDir)
    userId = await userIdOf(database, address)
    await runSql(database, "INSERT INTO user_roles (user_id, role_id, created_at) "
                           "SELECT :id, id, now() FROM roles WHERE name = 'admin'", userId)
    try:
        tokens = await login(client, address)
        assert rolesIn(tokens, appSettings) == ["admin", "user"]
        sessionId = uuid.UUID(hex=tokens["refreshToken"].split(".")[0])
        stored = await redisClient.hget(sessionKey(str(sessionId)), "roles")
        assert stored in ("admin,user", b"admin,user")
        await runSql(database, "DELETE FROM user_roles WHERE user_id = :id", userId)
        assert rolesIn(await login(client, address), appSettings) == []
    finally:
        await runSql(database, "DELETE FROM user_roles WHERE user_id = :id", userId)
