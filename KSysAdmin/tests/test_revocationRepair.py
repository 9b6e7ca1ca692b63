from __future__ import annotations

import uuid

import httpx2
import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from KSysAdmin.backend.infrastructure.redis.sessionKeyStore import RedisSessionKeyStore
from KSysAdmin.tests.adminSupport import PASSWORD, AdminWorld
from KSysAdmin.tests.test_adminAuth import bearer
from KSysAdmin.tests.test_userActions import liveKeys
from shared.backend.security.jwtCodec import JwtCodec


# Redis refusing the connection just as the action deletes the session keys, after its commit.
async def unreachable(self: RedisSessionKeyStore, sessionIds: list[uuid.UUID]) -> int:
    raise RedisConnectionError("Error 111 connecting to Redis. Connection refused.")


# A lock or disable committed, then Redis failed before the session keys went (503 session_keys_not_removed): the
# keys the gateway and the public server trust survived. Returns the admin's headers, the target, a token of one of
# its sessions and the ids of its three sessions.
async def failedRevocation(
    world: AdminWorld, publicClient: httpx2.AsyncClient, monkeypatch: pytest.MonkeyPatch, action: str
) -> tuple[dict[str, str], uuid.UUID, str, list[object]]:
    _, headers = await world.adminToken()
    target = await world.createUser()
    signedIn = await publicClient.post("/api/auth/login", json={"email": target.email, "password": PASSWORD})
    assert signedIn.status_code == 200, signedIn.text
    publicClient.cookies.clear()
    token = signedIn.json()["accessToken"]
    claims = JwtCodec(world.settings.jwt).decode(token, world.settings.jwt.userAudience)
    sessionIds: list[object] = [claims.sessionId, *await world.createSessions(target.id, 2)]
    with monkeypatch.context() as patch:
        patch.setattr(RedisSessionKeyStore, "deleteSessions", unreachable)
        failed = await world.client.post(f"/api/admin/users/{target.id}/{action}", headers=headers)
    assert (failed.status_code, failed.json()["error"]["code"]) == (503, "session_keys_not_removed"), failed.text
    assert all(row.revokedAt is not None for row in await world.sessionRows(target.id))
    assert await liveKeys(world, sessionIds) == 3
    return headers, target.id, token, sessionIds


# The account routes read the account again and refuse the surviving session's token (GET me: invalid_token, PATCH
# me: session_revoked), but the payment API checks only the key and still served it. Repeating the action answers
# 409 as before, after deleting the keys of every unexpired session: refused there too. A lock of the disabled
# account (refused as well: disabled is past locked) repairs alike.
@pytest.mark.parametrize(("action", "repeat"), [("lock", "lock"), ("disable", "disable"), ("disable", "lock")])
async def test_aRepeatedLockRemovesTheKeysAFailedRedisLeft(
    world: AdminWorld, publicClient: httpx2.AsyncClient, monkeypatch: pytest.MonkeyPatch, action: str, repeat: str
) -> None:
    headers, targetId, token, sessionIds = await failedRevocation(world, publicClient, monkeypatch, action)
    assert (await publicClient.get("/api/payment/payments", headers=bearer(token))).status_code == 200
    me = await publicClient.get("/api/auth/me", headers=bearer(token))
    assert (me.status_code, me.json()["error"]["code"]) == (401, "invalid_token")
    changed = await publicClient.patch("/api/auth/me", json={"displayName": "Still here"}, headers=bearer(token))
    assert (changed.status_code, changed.json()["error"]["code"]) == (401, "session_revoked")
    repeatPath = f"/api/admin/users/{targetId}/{repeat}"
    repeated = await world.client.post(repeatPath, headers=headers)
    assert (repeated.status_code, repeated.json()["error"]["code"]) == (409, "invalid_status_transition")
    assert await liveKeys(world, sessionIds) == 0
    refused = await publicClient.get("/api/payment/payments", headers=bearer(token))
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "session_revoked")
    outcomes = [entry.outcome for entry in await world.auditEntries(f"user.{action}", targetId)]
    assert outcomes == (["success", "failure"] if repeat == action else ["success"])
    [repair] = await world.auditEntries("user.session_keys_removed", targetId)
    assert (repair.outcome, repair.details) == ("success", {"removedSessionKeys": 3, "repeated": f"user.{repeat}"})
    # Nothing left to remove: a further repeat is the plain refusal, with no repair entry.
    assert (await world.client.post(repeatPath, headers=headers)).status_code == 409
    assert len(await world.auditEntries("user.session_keys_removed", targetId)) == 1


# A disable of the locked account is done (locked -> disabled) and its own deletion takes the keys the lock left.
async def test_aDisableAfterAFailedLockRemovesTheKeysTheLockLeft(
    world: AdminWorld, publicClient: httpx2.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers, targetId, token, sessionIds = await failedRevocation(world, publicClient, monkeypatch, "lock")
    disabled = await world.client.post(f"/api/admin/users/{targetId}/disable", headers=headers)
    assert (disabled.status_code, disabled.json()["status"]) == (200, "disabled"), disabled.text
    assert await liveKeys(world, sessionIds) == 0
    refused = await publicClient.get("/api/payment/payments", headers=bearer(token))
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "session_revoked")
