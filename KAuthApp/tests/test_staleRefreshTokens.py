from __future__ import annotations

from pathlib import Path

import httpx2
import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from KAuthApp.tests.authTestSupport import (
    agedSession,
    ageLastUse,
    auditRows,
    bearer,
    login,
    registerVerified,
    sessionIdOf,
)
from shared.backend.database.engine import Database
from shared.backend.security.sessionStore import SessionStore


# The owner logs out with the token a thief already rotated (the owner's access token has expired, so only
# the refresh token names the session): the thief's session ends too, audited as reuse, not a silent 204.
async def test_logoutWithARotatedTokenEndsTheFamily(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, redisClient: Redis
) -> None:
    address = await registerVerified(client, outboxDir)
    owner = await login(client, address)
    client.cookies.clear()
    thief = (await client.post("/api/auth/refresh", json={"refreshToken": owner["refreshToken"]})).json()
    client.cookies.clear()
    await ageLastUse(database, thief)
    logout = await client.post("/api/auth/logout", json={"refreshToken": owner["refreshToken"]})
    assert logout.status_code == 204
    assert not await redisClient.exists(f"kauth:session:{sessionIdOf(thief)}")
    assert (await client.get("/api/auth/me", headers=bearer(thief))).json()["error"]["code"] == "session_revoked"
    assert (await client.post("/api/auth/refresh", json={"refreshToken": thief["refreshToken"]})).status_code == 401
    reuse = [details for action, outcome, _, _, details in await auditRows(database, address)
             if action == "auth.refresh_token_reused" and outcome == "denied"]
    assert len(reuse) == 1 and '"via": "logout"' in reuse[0]
    client.cookies.clear()


# A tab logs out with the token another tab rotated a moment ago (inside the 2-s grace): the session ends
# (before, nothing did and the answer was still 204), audited as a logout of a stale token, not as reuse.
async def test_logoutWithATokenRotatedInsideTheGraceEndsTheSession(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, redisClient: Redis
) -> None:
    address = await registerVerified(client, outboxDir)
    first = await login(client, address)
    client.cookies.clear()
    second = (await client.post("/api/auth/refresh", json={"refreshToken": first["refreshToken"]})).json()
    client.cookies.clear()
    logout = await client.post("/api/auth/logout", json={"refreshToken": first["refreshToken"]})
    assert logout.status_code == 204
    assert not await redisClient.exists(f"kauth:session:{sessionIdOf(second)}")
    assert (await client.get("/api/auth/me", headers=bearer(second))).json()["error"]["code"] == "session_revoked"
    rows = [(action, outcome, details) for action, outcome, _, _, details in await auditRows(database, address)
            if action in ("auth.logout", "auth.refresh_token_reused")]
    assert len(rows) == 1 and rows[0][:2] == ("auth.logout", "success")
    assert '"staleToken": true' in rows[0][2] and sessionIdOf(second) in rows[0][2]
    client.cookies.clear()


# A token with a forged tag names a session but ends nothing, on logout as on refresh.
async def test_logoutWithAForgedTokenEndsNothing(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    _, tokens = await agedSession(client, outboxDir, database)
    prefix, secret, tag = tokens["refreshToken"].split(".")
    forged = f"{prefix}.{'A' * len(secret)}.{tag}"
    assert (await client.post("/api/auth/logout", json={"refreshToken": forged})).status_code == 204
    assert (await client.get("/api/auth/me", headers=bearer(tokens))).status_code == 200
    client.cookies.clear()


# Redis fails while a refresh saves the session key: the rotation rolls back, so the client's retry with
# the same token (after Retry-After, past the rotation grace) is a plain refresh, not a reuse.
async def test_aRefreshThatCouldNotSaveItsKeyCanBeRetried(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    client.cookies.clear()
    original = SessionStore.save

    async def redisDown(*args: object, **kwargs: object) -> bool:
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:26379. Connection refused.")

    monkeypatch.setattr(SessionStore, "save", redisDown)
    failed = await client.post("/api/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert failed.status_code == 503
    monkeypatch.setattr(SessionStore, "save", original)
    await ageLastUse(database, tokens)
    retried = await client.post("/api/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert retried.status_code == 200, retried.text
    assert (await client.get("/api/auth/me", headers=bearer(retried.json()))).status_code == 200
    assert "auth.refresh_token_reused" not in [action for action, *_ in await auditRows(database, address)]
    client.cookies.clear()
