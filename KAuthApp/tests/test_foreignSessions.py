from __future__ import annotations

import uuid
from pathlib import Path

import httpx2
from redis.asyncio import Redis
from sqlalchemy import text

from KAuthApp.tests.authTestSupport import ageLastUse, bearer, login, registerVerified, sessionIdOf, userIdOf
from shared.backend.database.engine import Database

REQUEST_ID = {"X-Request-ID": "foreign-session-0001"}


# (actor id, target id, outcome, details) of a user's entries with this action, as target or actor.
async def entries(database: Database, action: str, userId: uuid.UUID) -> list[tuple[str | None, str, str, str]]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(text(
            "SELECT actor_id::text, target_id, outcome, details::text FROM audit_logs WHERE action = :action "
            "AND (target_id = :id OR actor_id::text = :id) ORDER BY created_at, id"
        ), {"action": action, "id": str(userId)})
        return [tuple(row) for row in rows.all()]  # type: ignore[misc]


# Two signed-in users: (victim's tokens, prober's tokens, victim's id, prober's id).
async def victimAndProber(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> tuple[dict[str, str], dict[str, str], uuid.UUID, uuid.UUID]:
    victim = await registerVerified(client, outboxDir, "victim")
    prober = await registerVerified(client, outboxDir, "prober")
    victimTokens, proberTokens = await login(client, victim), await login(client, prober)
    client.cookies.clear()
    return victimTokens, proberTokens, await userIdOf(database, victim), await userIdOf(database, prober)


# The session is alive in PostgreSQL, in Redis and for its access token.
async def assertSessionKept(
    client: httpx2.AsyncClient, database: Database, redisClient: Redis, tokens: dict[str, str]
) -> None:
    async with database.engine.connect() as connection:
        revokedAt = await connection.scalar(text("SELECT revoked_at FROM sessions WHERE id = :id"),
                                            {"id": sessionIdOf(tokens)})
    assert revokedAt is None
    assert await redisClient.exists(f"kauth:session:{sessionIdOf(tokens)}")
    assert (await client.get("/api/auth/me", headers=bearer(tokens))).status_code == 200


# An IDOR probe answers exactly like a missing session, keeps the victim's session and leaves a denied entry.
async def test_revokingAnotherUsersSessionIsDeniedAndAudited(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, redisClient: Redis
) -> None:
    victimTokens, proberTokens, victimId, proberId = await victimAndProber(client, outboxDir, database)
    headers = {**bearer(proberTokens), **REQUEST_ID}
    missing = await client.delete(f"/api/auth/sessions/{uuid.uuid4()}", headers=headers)
    foreign = await client.delete(f"/api/auth/sessions/{sessionIdOf(victimTokens)}", headers=headers)
    assert (foreign.status_code, foreign.content) == (404, missing.content)
    assert foreign.json()["error"]["code"] == "session_not_found"
    assert {**foreign.headers, "date": ""} == {**missing.headers, "date": ""}
    await assertSessionKept(client, database, redisClient, victimTokens)
    [(actorId, targetId, outcome, details)] = await entries(database, "auth.session_revoke", victimId)
    assert (actorId, targetId, outcome) == (str(proberId), str(victimId), "denied")
    assert details == f'{{"reason": "not_owner", "sessionId": "{sessionIdOf(victimTokens)}"}}'
    # The prober's own entries: only that denied one (the missing id wrote nothing).
    assert len(await entries(database, "auth.session_revoke", proberId)) == 1


# A missing, expired or already revoked session of one's own is no probe: 404 and nothing audited.
async def test_revokingOnesOwnGoneSessionIsNotAudited(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address = await registerVerified(client, outboxDir)
    current, ended, expired = await login(client, address), await login(client, address), await login(client, address)
    client.cookies.clear()
    assert (await client.delete(f"/api/auth/sessions/{sessionIdOf(ended)}", headers=bearer(current))).status_code == 204
    async with database.engine.begin() as connection:
        await connection.execute(text("UPDATE sessions SET idle_expires_at = now() - interval '1 second' "
                                      "WHERE id = :id"), {"id": sessionIdOf(expired)})
    for sessionId in (sessionIdOf(ended), sessionIdOf(expired), str(uuid.uuid4())):
        response = await client.delete(f"/api/auth/sessions/{sessionId}", headers=bearer(current))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "session_not_found"
    rows = await entries(database, "auth.session_revoke", await userIdOf(database, address))
    assert [outcome for _, _, outcome, _ in rows] == ["success"]


# Logout with a token whose tag fails, naming another user's session: 204 as before, the named session kept,
# and a denied entry as a forged refresh writes (actor: the caller when signed in, else none).
async def test_logoutWithAForgedTokenIsAudited(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, redisClient: Redis
) -> None:
    victimTokens, proberTokens, victimId, proberId = await victimAndProber(client, outboxDir, database)
    await ageLastUse(database, victimTokens)
    prefix, secret, tag = victimTokens["refreshToken"].split(".")
    forged = f"{prefix}.{'A' * len(secret)}.{tag}"
    assert (await client.post("/api/auth/logout", json={"refreshToken": forged})).status_code == 204
    signedIn = await client.post("/api/auth/logout", json={"refreshToken": forged}, headers=bearer(proberTokens))
    assert signedIn.status_code == 204
    # The caller's own session still ends (the access token names it); the victim's is kept.
    assert (await client.get("/api/auth/me", headers=bearer(proberTokens))).status_code == 401
    await assertSessionKept(client, database, redisClient, victimTokens)
    denied = [row for row in await entries(database, "auth.logout", victimId) if row[2] == "denied"]
    assert [(actorId, targetId) for actorId, targetId, _, _ in denied] == [(None, str(victimId)),
                                                                           (str(proberId), str(victimId))]
    expected = f'{{"reason": "forged_token", "sessionId": "{sessionIdOf(victimTokens)}"}}'
    assert all(details == expected and forged not in details for *_, details in denied)
    client.cookies.clear()
