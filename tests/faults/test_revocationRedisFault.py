from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx2
import pytest
from redis import Redis
from sqlalchemy import text

from KAuthApp.tests.authTestSupport import PASSWORD, bearer, latestToken, login, registerVerified, sessionIdOf
from shared.backend.database.engine import Database
from tests.faults import authFaults
from tests.faults.authFaults import heldRow, userId
from tests.faults.privateStack import PrivateStack
from tests.faults.settlementCrash import blockedBy

NEW_PASSWORD = "an entirely new passphrase 77"
stack, database, client = authFaults.stack, authFaults.database, authFaults.client  # the fixtures


# Redis goes away with its data (a restart of a persistent Redis), or stays up refusing writes (at maxmemory).
class RedisFault:
    def __init__(self, stack: PrivateStack, kind: str) -> None:
        self.stack, self.kind = stack, kind
        self.redis = Redis.from_url(stack.redis.url)

    def begin(self) -> None:
        if self.kind == "stopped":
            self.redis.save()  # loaded again at the restart: the keys survive the outage
            self.redis.close()
            self.stack.redis.stop()
        else:
            self.redis.config_set("maxmemory", 1)

    def end(self) -> None:
        if self.kind == "stopped":
            if self.stack.redis.process is None:
                self.stack.redis.start()
        else:
            self.redis.config_set("maxmemory", 0)
        self.redis.close()


@dataclass
class Victim:
    address: str
    current: dict[str, str]  # the session making the request
    other: dict[str, str]  # the session the use case must end


Request = Callable[[], Awaitable[httpx2.Response]]


async def victim(client: httpx2.AsyncClient, stack: PrivateStack) -> Victim:
    address = await registerVerified(client, stack.directory / "mail")
    current = await login(client, address)
    other = await login(client, address)
    client.cookies.clear()
    return Victim(address, current, other)


async def useCase(client: httpx2.AsyncClient, stack: PrivateStack, database: Database, user: Victim,
                  name: str) -> tuple[str, str, Request]:
    if name == "passwordChange":
        body = {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}
        return "users", await userId(database, user.address), lambda: client.post(
            "/api/auth/password/change", json=body, headers=bearer(user.current))
    if name == "passwordReset":
        assert (await client.post("/api/auth/password/forgot", json={"email": user.address})).status_code == 202
        token = latestToken(stack.directory / "mail", user.address, "reset-password", count=2)
        return "users", await userId(database, user.address), lambda: client.post(
            "/api/auth/password/reset", json={"token": token, "newPassword": NEW_PASSWORD})
    otherId = sessionIdOf(user.other)
    return "sessions", otherId, lambda: client.delete(f"/api/auth/sessions/{otherId}", headers=bearer(user.current))


async def revokedInDatabase(database: Database, tokens: dict[str, str]) -> bool:
    async with database.engine.connect() as connection:
        found = await connection.execute(text("SELECT revoked_at IS NOT NULL FROM sessions WHERE id = :id"),
                                         {"id": sessionIdOf(tokens)})
        return bool(found.scalar_one())


# Redis fails after the use case's reads, as it ends the other session. It used to commit first: the 503 came
# with the session revoked in PostgreSQL while its key still let its access token in, and the retry could not
# repair it (the old password or the reset link were spent, the session already revoked: 404). Now the 503
# changes nothing and the client's retry of the same request ends the session.
@pytest.mark.parametrize("fault", ["stopped", "refusingWrites"])
@pytest.mark.parametrize("name", ["passwordChange", "passwordReset", "sessionRevoke"])
async def test_aRevocationRedisFailedLeavesNoRevokedSessionUsable(
    stack: PrivateStack, database: Database, client: httpx2.AsyncClient, name: str, fault: str
) -> None:
    user = await victim(client, stack)
    table, rowId, request = await useCase(client, stack, database, user, name)
    redisFault = RedisFault(stack, fault)
    try:
        async with heldRow(database, table, rowId) as holder:
            pending = asyncio.create_task(request())
            await blockedBy(database, holder)
            redisFault.begin()
        failed = await asyncio.wait_for(pending, 20)
    finally:
        redisFault.end()
    assert failed.status_code == 503 and failed.headers.get("Retry-After"), failed.text
    assert failed.json()["error"]["code"] == "service_unavailable", failed.text
    # The outage left stored data untouched: the other session is neither revoked nor refused.
    assert not await revokedInDatabase(database, user.other), f"{name}: answered 503 but revoked the session"
    assert (await client.get("/api/auth/me", headers=bearer(user.other))).status_code == 200
    retried = await request()
    assert retried.status_code == 204, f"{name}: the retry after the 503 answered {retried.text}"
    assert await revokedInDatabase(database, user.other)
    assert (await client.get("/api/auth/me", headers=bearer(user.other))).status_code == 401
