from __future__ import annotations

import asyncio
import contextlib
import uuid
from pathlib import Path

import httpx2
import pytest
from redis.asyncio import Redis

from KAuthApp.backend.domain.models.session import Session
from KAuthApp.backend.infrastructure.database.sessionRepository import SessionRepository
from KAuthApp.tests.authTestSupport import ageLastUse, auditRows, bearer, login, registerVerified, sessionIdOf
from shared.backend.database.engine import Database


async def signedIn(client: httpx2.AsyncClient, tokens: dict[str, str]) -> bool:
    return (await client.get("/api/auth/me", headers=bearer(tokens))).status_code == 200

# The details of an address's successful auth.logout audit rows.
async def loggedOut(database: Database, address: str) -> list[str]:
    return [details for action, outcome, _, _, details in await auditRows(database, address)
            if action == "auth.logout" and outcome == "success"]



# A browser holds one refresh cookie: the last sign-in's. A tab signed in earlier (its access token in memory)
# logs out with its bearer and that cookie: the tab's own session ends too, not only the cookie's. Before, the
# cookie's session alone ended (another user's here) and the caller's access token and session stayed live.
async def test_aLogoutEndsTheBearersSessionWhenTheCookieNamesAnother(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, redisClient: Redis
) -> None:
    firstAddress = await registerVerified(client, outboxDir)
    secondAddress = await registerVerified(client, outboxDir)
    first = await login(client, firstAddress)
    second = await login(client, secondAddress)
    assert client.cookies.get("kauth_refresh") == second["refreshToken"]
    assert (await client.post("/api/auth/logout", headers=bearer(first))).status_code == 204
    assert not await signedIn(client, first)
    assert not await redisClient.exists(f"kauth:session:{sessionIdOf(first)}")
    assert (await client.post("/api/auth/refresh", json={"refreshToken": first["refreshToken"]})).status_code == 401
    assert not await signedIn(client, second)
    for address, tokens in ((firstAddress, first), (secondAddress, second)):
        ended = await loggedOut(database, address)
        assert len(ended) == 1 and sessionIdOf(tokens) in ended[0]
    client.cookies.clear()


# The refresh token is a rotated one of another session (reuse: its family ends): the bearer's session ends too.
async def test_aLogoutWithAnotherSessionsRotatedTokenEndsTheBearersSession(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address = await registerVerified(client, outboxDir)
    caller = await login(client, address)
    other = await login(client, address)
    client.cookies.clear()
    rotated = (await client.post("/api/auth/refresh", json={"refreshToken": other["refreshToken"]})).json()
    client.cookies.clear()
    await ageLastUse(database, rotated)
    logout = await client.post("/api/auth/logout", json={"refreshToken": other["refreshToken"]}, headers=bearer(caller))
    assert logout.status_code == 204
    assert not await signedIn(client, rotated)
    assert not await signedIn(client, caller)
    ended = await loggedOut(database, address)
    assert len(ended) == 1 and sessionIdOf(caller) in ended[0]
    client.cookies.clear()


# The usual logout (the bearer and the cookie of one session) ends that session once, audited once.
async def test_aLogoutOfOneSessionByBothTokensIsAuditedOnce(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    kept = await login(client, address)
    client.cookies.clear()
    logout = await client.post("/api/auth/logout", json={"refreshToken": tokens["refreshToken"]},
                               headers=bearer(tokens))
    assert logout.status_code == 204
    assert not await signedIn(client, tokens)
    assert await signedIn(client, kept)
    ended = await loggedOut(database, address)
    assert len(ended) == 1 and sessionIdOf(tokens) in ended[0]
    client.cookies.clear()


# Two logouts cross: one with the first session's bearer and the second's refresh token, the other the reverse.
# Each holds its first session row until the other holds its own: ending the sessions one transaction at a time,
# both answer 204. Holding both rows in one transaction deadlocked, and PostgreSQL aborted one logout (503).
async def test_crossingLogoutsDoNotDeadlock(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = await registerVerified(client, outboxDir)
    first, second = await login(client, address), await login(client, address)
    client.cookies.clear()
    held = {sessionIdOf(first): asyncio.Event(), sessionIdOf(second): asyncio.Event()}
    getById = SessionRepository.getById

    async def holdFirstRow(self: SessionRepository, id: uuid.UUID, forUpdate: bool = False) -> Session | None:
        found = await getById(self, id, forUpdate)
        mine = held.get(str(id))
        if forUpdate and mine is not None and not mine.is_set():
            mine.set()
            other = next(event for key, event in held.items() if key != str(id))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(other.wait(), 2.0)
            await asyncio.sleep(0.2)  # the other logout's next lock reaches PostgreSQL
        return found

    monkeypatch.setattr(SessionRepository, "getById", holdFirstRow)
    answers = await asyncio.gather(
        client.post("/api/auth/logout", json={"refreshToken": second["refreshToken"]}, headers=bearer(first)),
        client.post("/api/auth/logout", json={"refreshToken": first["refreshToken"]}, headers=bearer(second)),
    )
    monkeypatch.undo()
    assert [answer.status_code for answer in answers] == [204, 204]
    assert not await signedIn(client, first) and not await signedIn(client, second)
    ended = await loggedOut(database, address)
    assert len(ended) == 2
