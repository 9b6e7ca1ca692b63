from __future__ import annotations

import asyncio
from pathlib import Path

import httpx2
import pytest
from redis.asyncio import Redis
from sqlalchemy import text

from KAuthApp.tests.authTestSupport import login, registerVerified, sessionIdOf
from shared.backend.database.engine import Database
from shared.backend.database.modelSupport import utcNow
from shared.backend.security.passwordHasher import PasswordHasher

DELAY_SECONDS = 2.0


# A login's clock is read before Argon2 (and a refresh's before its row lock): the Redis key's lifetime must count
# from its save, or the key outlives the session by that wait and its access tokens keep working past the end.
async def test_sessionKeyEndsWithTheSessionAfterASlowHash(
    client: httpx2.AsyncClient, outboxDir: Path, redisClient: Redis, database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    address = await registerVerified(client, outboxDir)
    verify = PasswordHasher.verify

    async def slowVerify(self: PasswordHasher, passwordHash: str | None, password: str) -> bool:
        await asyncio.sleep(DELAY_SECONDS)
        return await verify(self, passwordHash, password)

    monkeypatch.setattr(PasswordHasher, "verify", slowVerify)
    tokens = await login(client, address)
    sessionId = sessionIdOf(tokens)
    async with database.sessionFactory() as session:
        end = (await session.execute(text(
            "SELECT LEAST(idle_expires_at, absolute_expires_at) FROM sessions WHERE id = :id"
        ), {"id": sessionId})).scalar_one()
    left = await redisClient.pttl(f"kauth:session:{sessionId}")
    untilEnd = (end - utcNow()).total_seconds() * 1000
    # Redis counts whole seconds: the key may round up by less than one.
    assert 0 < left <= untilEnd + 1000, f"the key outlives its session by {(left - untilEnd) / 1000:.2f} s"
