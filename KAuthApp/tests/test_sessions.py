from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import httpx2
from redis.asyncio import Redis
from sqlalchemy import text

from KAuthApp.backend.infrastructure.database.sessionRepository import SessionRepository
from KAuthApp.tests.authTestSupport import (
    PASSWORD,
    agedSession,
    ageLastUse,
    auditRows,
    bearer,
    login,
    registerVerified,
    sessionIdOf,
    userIdOf,
)
from shared.backend.database.engine import Database
from shared.backend.database.modelSupport import utcNow
from shared.backend.security.sessionStore import SessionStore


async def test_refreshRotatesAndKeepsSessionKey(
    client: httpx2.AsyncClient, outboxDir: Path, redisClient: Redis
) -> None:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    key = f"kauth:session:{sessionIdOf(tokens)}"
    assert await redisClient.hget(key, "roles") == "user"
    assert 0 < await redisClient.ttl(key) <= 604800
    refreshed = await client.post("/api/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert refreshed.status_code == 200
    fresh = refreshed.json()
    assert fresh["refreshToken"] != tokens["refreshToken"]
    assert sessionIdOf(fresh) == sessionIdOf(tokens)
    assert (await client.get("/api/auth/me", headers=bearer(fresh))).status_code == 200
    client.cookies.clear()


async def test_refreshFromCookie(client: httpx2.AsyncClient, outboxDir: Path) -> None:
    address = await registerVerified(client, outboxDir)
    await login(client, address)
    assert client.cookies.get("kauth_refresh")
    refreshed = await client.post("/api/auth/refresh")
    assert refreshed.status_code == 200
    assert client.cookies.get("kauth_refresh") == refreshed.json()["refreshToken"]
    logout = await client.post("/api/auth/logout")
    assert logout.status_code == 204
    assert client.cookies.get("kauth_refresh") is None
    again = await client.post("/api/auth/refresh")
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "invalid_token"


async def test_reuseOfRotatedTokenRevokesFamily(
    client: httpx2.AsyncClient, outboxDir: Path, redisClient: Redis, database: Database
) -> None:
    address = await registerVerified(client, outboxDir)
    stolen = await login(client, address)
    current = (await client.post("/api/auth/refresh", json={"refreshToken": stolen["refreshToken"]})).json()
    await ageLastUse(database, current)
    reused = await client.post("/api/auth/refresh", json={"refreshToken": stolen["refreshToken"]})
    assert reused.status_code == 401
    assert reused.json()["error"]["code"] == "refresh_token_reused"
    assert not await redisClient.exists(f"kauth:session:{sessionIdOf(current)}")
    me = await client.get("/api/auth/me", headers=bearer(current))
    assert me.json()["error"]["code"] == "session_revoked"
    # Ended in the database too, not only in Redis (whose revocation marker expires with the access token).
    async with database.engine.connect() as connection:
        reason = await connection.scalar(text("SELECT revoked_reason FROM sessions WHERE id = :id"),
                                         {"id": sessionIdOf(current)})
    assert reason == "refresh_token_reused"
    await redisClient.delete(f"kauth:revoked:{sessionIdOf(current)}")
    afterwards = await client.post("/api/auth/refresh", json={"refreshToken": current["refreshToken"]})
    assert afterwards.status_code == 401
    client.cookies.clear()


async def test_staleTokenInsideGraceIsRefusedWithoutRevoking(client: httpx2.AsyncClient, outboxDir: Path) -> None:
    address = await registerVerified(client, outboxDir)
    first = await login(client, address)
    second = (await client.post("/api/auth/refresh", json={"refreshToken": first["refreshToken"]})).json()
    stale = await client.post("/api/auth/refresh", json={"refreshToken": first["refreshToken"]})
    assert stale.status_code == 401
    assert stale.json()["error"]["code"] == "invalid_token"
    assert (await client.get("/api/auth/me", headers=bearer(second))).status_code == 200
    client.cookies.clear()


async def waitingOnLocks(database: Database, count: int) -> None:
    async with asyncio.timeout(10), database.engine.connect() as connection:
        while await connection.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                           "AND datname = current_database()")) < count:
            await asyncio.sleep(0.02)
            await connection.rollback()


# The refreshes are made to overlap: the session row is held locked until all of them wait on it.
async def test_concurrentRefreshExactlyOneSucceeds(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    client.cookies.clear()
    body = {"refreshToken": tokens["refreshToken"]}
    async with database.engine.connect() as holder:
        await holder.execute(text("SELECT 1 FROM sessions WHERE id = :id FOR UPDATE"), {"id": sessionIdOf(tokens)})
        refreshes = [asyncio.create_task(client.post("/api/auth/refresh", json=body)) for _ in range(4)]
        await waitingOnLocks(database, 4)
        await holder.rollback()
    results = await asyncio.gather(*refreshes)
    assert sorted(response.status_code for response in results) == [200, 401, 401, 401]
    assert {response.json()["error"]["code"] for response in results if response.status_code == 401} == {
        "invalid_token"}
    winner = next(response for response in results if response.status_code == 200).json()
    assert (await client.post("/api/auth/refresh", json={"refreshToken": winner["refreshToken"]})).status_code == 200
    client.cookies.clear()


# A token that only names a session (its id is the access token's sid claim) is refused and ends nothing.
async def test_forgedRefreshTokensRefusedAndTheSessionKept(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address, tokens = await agedSession(client, outboxDir, database)
    prefix, secret, tag = tokens["refreshToken"].split(".")
    named = [f"{prefix}.{'A' * 43}", f"{prefix}.{'A' * 43}.{tag}", f"{prefix}.{secret}.{'C' * len(tag)}"]
    for forged in ("garbage", f"{uuid.uuid4().hex}.{'B' * 43}", *named):
        response = await client.post("/api/auth/refresh", json={"refreshToken": forged})
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_token", forged
    assert (await client.get("/api/auth/me", headers=bearer(tokens))).status_code == 200
    assert (await client.post("/api/auth/refresh", json={"refreshToken": tokens["refreshToken"]})).status_code == 200
    refused = [details for action, outcome, _, _, details in await auditRows(database, address)
               if action == "auth.refresh" and outcome == "denied"]
    assert len(refused) == len(named)
    assert all("forged_token" in details and sessionIdOf(tokens) in details for details in refused)
    client.cookies.clear()


async def test_logoutTakesEffectImmediately(client: httpx2.AsyncClient, outboxDir: Path) -> None:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    client.cookies.clear()
    assert (await client.post("/api/auth/logout", headers=bearer(tokens))).status_code == 204
    me = await client.get("/api/auth/me", headers=bearer(tokens))
    assert me.status_code == 401
    assert me.json()["error"]["code"] == "session_revoked"
    refresh = await client.post("/api/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert refresh.status_code == 401
    assert (await client.post("/api/auth/logout")).status_code == 401


# With no refresh token, a logout says what is wrong with its bearer, as every protected route does; before, an
# ended session's or a tampered token got "A bearer access token is required" (unauthenticated).
async def test_aLogoutWithOnlyABadBearerSaysWhatIsWrongWithIt(client: httpx2.AsyncClient, outboxDir: Path) -> None:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    client.cookies.clear()
    assert (await client.post("/api/auth/logout", headers=bearer(tokens))).status_code == 204
    ended = await client.post("/api/auth/logout", headers=bearer(tokens))
    tampered = await client.post("/api/auth/logout", headers={"Authorization": "Bearer not-a-token"})
    missing = await client.post("/api/auth/logout")
    assert [(answer.status_code, answer.json()["error"]["code"]) for answer in (ended, tampered, missing)] == [
        (401, "session_revoked"), (401, "invalid_token"), (401, "unauthenticated")]


async def test_sessionsListRevokeAndLogoutAll(client: httpx2.AsyncClient, outboxDir: Path) -> None:
    address = await registerVerified(client, outboxDir)
    phone = await login(client, address, deviceFingerprint="phone")
    laptop = await login(client, address, deviceFingerprint="laptop")
    tablet = await login(client, address, deviceFingerprint="tablet")
    client.cookies.clear()
    listed = (await client.get("/api/auth/sessions", headers=bearer(laptop))).json()["sessions"]
    assert {item["deviceFingerprint"] for item in listed} == {"phone", "laptop", "tablet"}
    assert [item["deviceFingerprint"] for item in listed if item["current"]] == ["laptop"]
    assert {"id", "ip", "userAgent", "createdAt", "lastUsedAt", "expiresAt"} <= set(listed[0])
    phoneId = sessionIdOf(phone)
    assert (await client.delete(f"/api/auth/sessions/{phoneId}", headers=bearer(laptop))).status_code == 204
    assert (await client.get("/api/auth/me", headers=bearer(phone))).status_code == 401
    again = await client.delete(f"/api/auth/sessions/{phoneId}", headers=bearer(laptop))
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "session_not_found"
    other = await registerVerified(client, outboxDir)
    stranger = await login(client, other)
    client.cookies.clear()
    foreign = await client.delete(f"/api/auth/sessions/{sessionIdOf(tablet)}", headers=bearer(stranger))
    assert foreign.status_code == 404
    assert (await client.post("/api/auth/logout-all", headers=bearer(laptop))).status_code == 204
    for tokens in (laptop, tablet):
        assert (await client.get("/api/auth/me", headers=bearer(tokens))).status_code == 401
    assert (await client.get("/api/auth/me", headers=bearer(stranger))).status_code == 200


async def test_idleExpiredSessionCannotRefresh(
    client: httpx2.AsyncClient, outboxDir: Path, redisClient: Redis, database: Database
) -> None:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    client.cookies.clear()
    async with database.engine.begin() as connection:
        await connection.execute(text("UPDATE sessions SET idle_expires_at = now() - interval '1 second' "
                                      "WHERE id = :id"), {"id": sessionIdOf(tokens)})
    refused = await client.post("/api/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_token"
    assert not await redisClient.exists(f"kauth:session:{sessionIdOf(tokens)}")



# Two sessions; the second is revoked, then its Redis key is put back, as if the revocation's DEL had failed.
async def revokedSessionWithKeyBack(
    client: httpx2.AsyncClient, outboxDir: Path, redisClient: Redis
) -> tuple[dict[str, str], dict[str, str], str]:
    address = await registerVerified(client, outboxDir)
    kept = await login(client, address)
    ended = await login(client, address)
    client.cookies.clear()
    key = f"kauth:session:{sessionIdOf(ended)}"
    saved = await redisClient.hgetall(key)
    assert (await client.delete(f"/api/auth/sessions/{sessionIdOf(ended)}", headers=bearer(kept))).status_code == 204
    # The revocation is remembered for an access token's lifetime: a racing refresh cannot save the key again.
    assert 0 < await redisClient.ttl(f"kauth:revoked:{sessionIdOf(ended)}") <= 900
    assert not await SessionStore(redisClient).save(sessionIdOf(ended), "x", ["user"], 0, 600)
    await redisClient.hset(key, mapping=saved)
    await redisClient.expire(key, 600)
    assert (await client.get("/api/auth/me", headers=bearer(ended))).status_code == 200
    return kept, ended, key


async def test_logoutAllDeletesKeysOfSessionsRevokedEarlier(
    client: httpx2.AsyncClient, outboxDir: Path, redisClient: Redis
) -> None:
    kept, ended, key = await revokedSessionWithKeyBack(client, outboxDir, redisClient)
    assert (await client.post("/api/auth/logout-all", headers=bearer(kept))).status_code == 204
    assert not await redisClient.exists(key)
    assert (await client.get("/api/auth/me", headers=bearer(ended))).status_code == 401


async def test_passwordChangeDeletesKeysOfSessionsRevokedEarlier(
    client: httpx2.AsyncClient, outboxDir: Path, redisClient: Redis
) -> None:
    kept, _, key = await revokedSessionWithKeyBack(client, outboxDir, redisClient)
    changed = await client.post("/api/auth/password/change", headers=bearer(kept),
                                json={"currentPassword": PASSWORD, "newPassword": "a brand new passphrase 7"})
    assert changed.status_code == 204
    assert not await redisClient.exists(key)
    assert await redisClient.exists(f"kauth:session:{sessionIdOf(kept)}")

async def test_refusedRefreshesAreAudited(client: httpx2.AsyncClient, outboxDir: Path, database: Database) -> None:
    address = await registerVerified(client, outboxDir)
    first = await login(client, address)
    second = await login(client, address)
    client.cookies.clear()
    await client.post("/api/auth/refresh", json={"refreshToken": first["refreshToken"]})
    stale = await client.post("/api/auth/refresh", json={"refreshToken": first["refreshToken"]})
    assert stale.json()["error"]["code"] == "invalid_token"
    async with database.engine.begin() as connection:
        await connection.execute(text("UPDATE sessions SET idle_expires_at = now() - interval '1 second' "
                                      "WHERE id = :id"), {"id": sessionIdOf(second)})
    expired = await client.post("/api/auth/refresh", json={"refreshToken": second["refreshToken"]})
    assert expired.json()["error"]["code"] == "invalid_token"
    third = await login(client, address)
    client.cookies.clear()
    async with database.engine.begin() as connection:
        await connection.execute(text("UPDATE users SET status = 'disabled' WHERE email = :email"),
                                 {"email": address.lower()})
    unavailable = await client.post("/api/auth/refresh", json={"refreshToken": third["refreshToken"]})
    assert unavailable.json()["error"]["code"] == "invalid_token"
    refreshes = [(outcome, details) for action, outcome, _, _, details in await auditRows(database, address)
                 if action == "auth.refresh"]
    assert [outcome for outcome, _ in refreshes] == ["denied", "failure", "failure"]
    for (_, details), (reason, tokens) in zip(refreshes, (("concurrent_refresh", first), ("expired", second),
                                                          ("account_unavailable", third)), strict=True):
        assert reason in details and sessionIdOf(tokens) in details
        assert tokens["refreshToken"] not in details


async def test_refreshOfAnEndedSessionIsAudited(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    client.cookies.clear()
    assert (await client.post("/api/auth/logout", headers=bearer(tokens))).status_code == 204
    refused = await client.post("/api/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert refused.json()["error"]["code"] == "invalid_token"
    [(outcome, details)] = [(outcome, details) for action, outcome, _, _, details in await auditRows(database, address)
                            if action == "auth.refresh"]
    assert outcome == "denied"
    assert "session_revoked" in details and "logout" in details and sessionIdOf(tokens) in details
    assert tokens["refreshToken"] not in details


# The keys a logout-all or password change deletes: revoked sessions only, so a session a concurrent login
# opened between the revocation and the listing keeps its key.
async def test_keysToDeleteAreThoseOfRevokedSessionsOnly(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address = await registerVerified(client, outboxDir)
    kept, ended = await login(client, address), await login(client, address)
    await login(client, address)  # a live session, as a concurrent login leaves it
    client.cookies.clear()
    assert (await client.delete(f"/api/auth/sessions/{sessionIdOf(ended)}", headers=bearer(kept))).status_code == 204
    async with database.sessionFactory() as session:
        ids = await SessionRepository(session).revokedUnexpiredIds(await userIdOf(database, address), utcNow())
    assert [str(item) for item in ids] == [sessionIdOf(ended)]
