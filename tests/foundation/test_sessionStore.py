from __future__ import annotations

import time
import uuid

from redis.asyncio import Redis

from shared.backend.security.sessionStore import SessionStore, revokedKey, sessionKey


async def test_saveReplacesTheKeyWholeWithItsExpiry(redisClient: Redis) -> None:
    store, sessionId = SessionStore(redisClient), str(uuid.uuid4())
    key = sessionKey(sessionId)
    await redisClient.hset(key, mapping={"userId": "stale", "leftover": "x"})
    await redisClient.script_flush()  # the first save finds no cached script and loads it
    expiresAt = int(time.time()) + 600
    assert await store.save(sessionId, "user-1", ["user", "admin"], expiresAt, 600)
    assert await redisClient.hgetall(key) == {"userId": "user-1", "roles": "admin,user", "expiresAt": str(expiresAt)}
    assert 590 < await redisClient.ttl(key) <= 600
    await store.save(sessionId, "user-1", [], expiresAt, 0)  # a zero lifetime still expires, never persists
    assert await redisClient.hget(key, "roles") == ""
    assert 0 < await redisClient.ttl(key) <= 1
    assert await store.revoke([sessionId], 900) == 1
    assert not await store.exists(sessionId)


# A save that committed before a revocation but reaches Redis after it cannot put the key back.
async def test_revokedSessionCannotBeSavedAgainWhileRemembered(redisClient: Redis) -> None:
    store = SessionStore(redisClient)
    revoked, other = str(uuid.uuid4()), str(uuid.uuid4())
    expiresAt = int(time.time()) + 600
    assert await store.save(revoked, "user-1", ["user"], expiresAt, 600)
    await redisClient.script_flush()
    assert await store.revoke([revoked, other], 30) == 1  # only one of the two had a key
    assert 25 < await redisClient.ttl(revokedKey(revoked)) <= 30
    assert not await store.save(revoked, "user-1", ["user"], expiresAt, 600)
    assert not await store.exists(revoked)
    assert await store.save(str(uuid.uuid4()), "user-1", ["user"], expiresAt, 600)
    await redisClient.delete(revokedKey(revoked))
    assert await store.save(revoked, "user-1", ["user"], expiresAt, 600)
