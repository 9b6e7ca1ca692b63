from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from datetime import timedelta

import httpx2
import pytest
from redis.asyncio import Redis

from admin_server import createAdminApp
from KSysAdmin.backend.infrastructure.background import revokedKeySweep
from KSysAdmin.backend.infrastructure.background.revokedKeySweep import RevokedKeySweep
from KSysAdmin.backend.infrastructure.database.revokedSessionRepository import REVOKED_AFTER
from KSysAdmin.backend.infrastructure.redis.sessionKeyStore import RedisSessionKeyStore
from KSysAdmin.tests.adminSupport import PASSWORD, AdminWorld
from KSysAdmin.tests.planSupport import indexNames, seededPlan
from KSysAdmin.tests.test_adminAuth import bearer
from KSysAdmin.tests.test_revocationRepair import unreachable
from KSysAdmin.tests.test_userActions import liveKeys
from shared.backend.config.settings import Settings
from shared.backend.database.modelSupport import utcNow
from shared.backend.security.jwtCodec import JwtCodec
from tests.support.inProcess import runningApp

SESSIONS = 20000
USER_SEED = "INSERT INTO users (id, email, password_hash) VALUES (gen_random_uuid(), 'sweep@example.com', 'h')"
# Every 100th session revoked, within the last few hours.
SESSION_SEED = """
INSERT INTO sessions (id, user_id, family_id, refresh_token_hash, idle_expires_at, absolute_expires_at, revoked_at)
SELECT gen_random_uuid(), u.id, gen_random_uuid(), 'hash-' || n, now() + interval '7 days', now() + interval '30 days',
       CASE WHEN n % 100 = 0 THEN now() - n * interval '1 second' END
FROM generate_series(1, $1::integer) AS n, (SELECT id FROM users) AS u
"""


# A user signed in through the public server: its access token and session id.
async def signedIn(world: AdminWorld, publicClient: httpx2.AsyncClient) -> tuple[str, str]:
    user = await world.createUser()
    response = await publicClient.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    publicClient.cookies.clear()
    token = response.json()["accessToken"]
    return token, JwtCodec(world.settings.jwt).decode(token, world.settings.jwt.userAudience).sessionId


# An admin locks the user of this token while Redis refuses the key delete after the commit: the key survives and
# the payment API, which checks only the key, still serves the token.
async def lockLeavingKey(world: AdminWorld, publicClient: httpx2.AsyncClient, monkeypatch: pytest.MonkeyPatch,
                         token: str) -> None:
    _, headers = await world.adminToken()
    userId = JwtCodec(world.settings.jwt).decode(token, world.settings.jwt.userAudience).subject
    with monkeypatch.context() as patch:
        patch.setattr(RedisSessionKeyStore, "deleteSessions", unreachable)
        failed = await world.client.post(f"/api/admin/users/{userId}/lock", headers=headers)
    assert (failed.status_code, failed.json()["error"]["code"]) == (503, "session_keys_not_removed"), failed.text
    assert (await publicClient.get("/api/payment/payments", headers=bearer(token))).status_code == 200


async def waitUntilGone(redis: Redis, sessionId: str, withinSeconds: float) -> None:
    deadline = time.monotonic() + withinSeconds
    while await redis.exists(f"kauth:session:{sessionId}"):
        assert time.monotonic() < deadline, f"the key of revoked session {sessionId} survived {withinSeconds}s"
        await asyncio.sleep(0.05)


async def assertRefused(publicClient: httpx2.AsyncClient, token: str) -> None:
    refused = await publicClient.get("/api/payment/payments", headers=bearer(token))
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "session_revoked"), refused.text


# An admin server with the sweep every second: its first pass deletes the key a failed lock left before it started,
# a later pass the key of a lock that failed while it ran; the payment API then refuses those tokens. A signed-in
# user's key and token are untouched.
async def test_theSweepDeletesKeysThatFailedRevocationsLeft(
    world: AdminWorld, publicClient: httpx2.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    liveToken, liveSession = await signedIn(world, publicClient)
    lockedBefore, sessionBefore = await signedIn(world, publicClient)
    await lockLeavingKey(world, publicClient, monkeypatch, lockedBefore)
    sweeping = dataclasses.replace(world.settings,
                                   auth=world.settings.auth.model_copy(update={"revokedKeySweepSeconds": 1}))
    async with runningApp(createAdminApp(sweeping)):
        await waitUntilGone(world.redis, sessionBefore, 5)
        await assertRefused(publicClient, lockedBefore)
        lockedWhileRunning, sessionWhileRunning = await signedIn(world, publicClient)
        await lockLeavingKey(world, publicClient, monkeypatch, lockedWhileRunning)
        await waitUntilGone(world.redis, sessionWhileRunning, 5)
        await assertRefused(publicClient, lockedWhileRunning)
    assert await liveKeys(world, [liveSession]) == 1
    assert (await publicClient.get("/api/payment/payments", headers=bearer(liveToken))).status_code == 200


# Five sessions of one user revoked by one lock (one revoked_at) whose keys survived, read two per batch: every key
# goes, one DEL per batch of at most two, and the key of another user's live session is never named.
async def test_aPassDeletesEveryRevokedKeyOneDelPerBatch(world: AdminWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(revokedKeySweep, "BATCH", 2)
    _, headers = await world.adminToken()
    target, bystander = await world.createUser(), await world.createUser()
    revoked = [str(sessionId) for sessionId in await world.createSessions(target.id, 5)]
    [live] = [str(sessionId) for sessionId in await world.createSessions(bystander.id, 1)]
    with monkeypatch.context() as patch:
        patch.setattr(RedisSessionKeyStore, "deleteSessions", unreachable)
        failed = await world.client.post(f"/api/admin/users/{target.id}/lock", headers=headers)
    assert failed.status_code == 503, failed.text
    assert await liveKeys(world, [*revoked, live]) == 6
    deletes: list[tuple[str, ...]] = []
    delete = world.redis.delete

    async def countedDelete(*keys: str) -> int:
        deletes.append(keys)
        return await delete(*keys)

    monkeypatch.setattr(world.redis, "delete", countedDelete)
    sweep = RevokedKeySweep(world.database, world.redis, timedelta(seconds=world.settings.auth.sessionIdleSeconds))
    await sweep.run(lambda: False)
    assert await liveKeys(world, revoked) == 0
    assert await liveKeys(world, [live]) == 1
    assert deletes and all(1 <= len(keys) <= 2 for keys in deletes)
    named = [key for keys in deletes for key in keys]
    assert len(named) == len(set(named))
    assert set(revoked) <= {key.removeprefix("kauth:session:") for key in named}
    assert f"kauth:session:{live}" not in named


# The pass's read with asyncpg's numbered parameters.
def revokedAfterSql() -> str:
    return REVOKED_AFTER.text.replace(":revokedAt", "$1").replace(":id", "$2").replace(":limit", "$3")


# Among 20,000 sessions, a few revoked, the pass's read goes through the partial index of revoked sessions, with or
# without statistics: a pass with nothing revoked since the last one does not read the table.
@pytest.mark.parametrize("analyzed", [False, True], ids=["no statistics", "analyzed"])
async def test_thePassReadsTheRevokedSessionIndex(settings: Settings, analyzed: bool) -> None:
    nodes = await seededPlan(settings, [(USER_SEED,), (SESSION_SEED, SESSIONS)], "sessions", analyzed,
                             revokedAfterSql(), utcNow(), uuid.UUID(int=0), 500)
    assert not [node for node in nodes if node["Node Type"] == "Seq Scan"], nodes
    assert "ix_sessions_revoked_at_id" in indexNames(nodes), nodes
