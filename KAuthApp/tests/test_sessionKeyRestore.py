from __future__ import annotations

from pathlib import Path

import httpx2
from redis.asyncio import Redis
from sqlalchemy import text

from KAuthApp.tests.authTestSupport import bearer, login, registerVerified, sessionIdOf
from KAuthApp.tests.test_sessionTokenIds import listed
from shared.backend.database.engine import Database

# Redis keeps nothing on disk: after a restart every session key is gone while PostgreSQL still holds the
# sessions. A live session's key comes back from its row at its next request; nothing else does.


async def me(client: httpx2.AsyncClient, tokens: dict[str, str]) -> httpx2.Response:
    return await client.get("/api/auth/me", headers=bearer(tokens))


async def signedIn(client: httpx2.AsyncClient, outboxDir: Path) -> dict[str, str]:
    tokens = await login(client, await registerVerified(client, outboxDir))
    client.cookies.clear()
    return tokens


async def test_aLiveSessionsKeyLostByRedisIsRestored(
    client: httpx2.AsyncClient, outboxDir: Path, redisClient: Redis
) -> None:
    tokens = await signedIn(client, outboxDir)
    key = f"kauth:session:{sessionIdOf(tokens)}"
    saved = await redisClient.hgetall(key)
    await redisClient.delete(key)
    assert (await me(client, tokens)).status_code == 200
    restored = await redisClient.hgetall(key)
    assert {name: restored[name] for name in ("userId", "roles", "expiresAt")} == {
        name: saved[name] for name in ("userId", "roles", "expiresAt")}
    assert restored["jtis"] == listed(tokens)
    assert 0 < await redisClient.ttl(key) <= int(saved["expiresAt"])


async def test_endedOrUnusableSessionsStayRefused(
    client: httpx2.AsyncClient, outboxDir: Path, redisClient: Redis, database: Database
) -> None:
    revoked, expired, disabled, marked = [await signedIn(client, outboxDir) for _ in range(4)]
    async with database.engine.begin() as connection:
        await connection.execute(text("UPDATE sessions SET revoked_at = now() WHERE id = :id"),
                                 {"id": sessionIdOf(revoked)})
        await connection.execute(text("UPDATE sessions SET idle_expires_at = now() - interval '1 second' "
                                      "WHERE id = :id"), {"id": sessionIdOf(expired)})
        await connection.execute(text("UPDATE users SET status = 'disabled' WHERE id = "
                                      "(SELECT user_id FROM sessions WHERE id = :id)"), {"id": sessionIdOf(disabled)})
    # A revocation racing the request: its marker stands, so the key is not written even for a live row.
    await redisClient.set(f"kauth:revoked:{sessionIdOf(marked)}", "1", ex=60)
    for tokens in (revoked, expired, disabled, marked):
        await redisClient.delete(f"kauth:session:{sessionIdOf(tokens)}")
        response = await me(client, tokens)
        assert (response.status_code, response.json()["error"]["code"]) == (401, "session_revoked")
        assert not await redisClient.exists(f"kauth:session:{sessionIdOf(tokens)}")
