from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import NoReturn

import httpx2
import pytest
import sqlalchemy.exc
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import text

from KAuthApp.backend.domain.loginSnapshot import LoginSnapshot
from KAuthApp.backend.infrastructure.database.loginRecords import LoginRecords
from KAuthApp.backend.infrastructure.database.sqlTransaction import SqlTransaction
from KAuthApp.tests.authTestSupport import PASSWORD, bearer, login, registerVerified, userIdOf
from KAuthApp.tests.test_mfa import enableMfa
from shared.backend.database.engine import Database
from shared.backend.security.sessionStore import SessionStore


# Records the session id of every key a login saves; while `down`, the save fails as with Redis unreachable.
class SessionSaves:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.down = False
        self.sessionIds: list[str] = []
        original = SessionStore.save

        async def save(store: SessionStore, sessionId: str, *args: object) -> bool:
            self.sessionIds.append(sessionId)
            if self.down:
                raise RedisConnectionError("Error 111 connecting to 127.0.0.1:26379. Connection refused.")
            return await original(store, sessionId, *args)  # type: ignore[arg-type]

        monkeypatch.setattr(SessionStore, "save", save)


@pytest.fixture
def saves(monkeypatch: pytest.MonkeyPatch) -> SessionSaves:
    return SessionSaves(monkeypatch)


async def connectionLost(*args: object, **kwargs: object) -> NoReturn:
    raise sqlalchemy.exc.InterfaceError("COMMIT", None, ConnectionResetError("connection lost"))


# What a login attempt leaves on its account: session rows, counted failures, the last TOTP step, used recovery
# codes and auth.login audit entries.
async def loginState(database: Database, userId: uuid.UUID) -> tuple[object, ...]:
    async with database.engine.connect() as connection:
        row = (await connection.execute(text(
            "SELECT (SELECT count(*) FROM sessions WHERE user_id = u.id), cardinality(u.failed_login_times), "
            "u.totp_last_used_step, (SELECT count(*) FROM mfa_recovery_codes r WHERE r.user_id = u.id "
            "AND r.used_at IS NOT NULL), (SELECT count(*) FROM audit_logs a WHERE a.target_id = CAST(u.id AS text) "
            "AND a.action = 'auth.login') FROM users u WHERE u.id = :id"), {"id": userId})).one()
    return tuple(row)


async def mfaAccount(client: httpx2.AsyncClient, outboxDir: Path, factor: str) -> tuple[str, str]:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    client.cookies.clear()
    totp, codes, _ = await enableMfa(client, tokens)
    return address, totp.at(time.time() + 30) if factor == "totpCode" else codes[0]


# Redis fails as the login saves the session key: nothing is committed, so the code is not spent, the 503 is not
# counted as a failure, no session row is left, and the retry with the same code signs in.
@pytest.mark.parametrize("factor", ["totpCode", "recoveryCode"])
async def test_anMfaLoginThatCouldNotSaveItsKeyCanBeRetriedWithTheSameCode(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, saves: SessionSaves, factor: str
) -> None:
    address, code = await mfaAccount(client, outboxDir, factor)
    userId = await userIdOf(database, address)
    before = await loginState(database, userId)
    saves.down = True
    failed = await client.post("/api/auth/login", json={"email": address, "password": PASSWORD, factor: code})
    saves.down = False
    assert failed.status_code == 503 and failed.headers["Retry-After"], failed.text
    assert await loginState(database, userId) == before
    retried = await client.post("/api/auth/login", json={"email": address, "password": PASSWORD, factor: code})
    client.cookies.clear()
    assert retried.status_code == 200, retried.text
    assert (await client.get("/api/auth/me", headers=bearer(retried.json()))).status_code == 200


# The usual password login (one statement) saves the key first too: a Redis failure leaves no session row or
# success audit entry behind.
async def test_aPasswordLoginThatCouldNotSaveItsKeyLeavesNoSession(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, saves: SessionSaves
) -> None:
    address = await registerVerified(client, outboxDir)
    userId = await userIdOf(database, address)
    before = await loginState(database, userId)
    saves.down = True
    failed = await client.post("/api/auth/login", json={"email": address, "password": PASSWORD})
    saves.down = False
    assert failed.status_code == 503, failed.text
    assert await loginState(database, userId) == before
    assert (await login(client, address))["accessToken"]
    client.cookies.clear()


# The key is saved before the write that makes the session real: when that write fails or writes nothing, the
# key is deleted again (no token was issued for it either).
async def test_aKeyWhoseCommitFailedIsDeleted(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, redisClient: Redis, saves: SessionSaves,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    address, code = await mfaAccount(client, outboxDir, "totpCode")
    userId = await userIdOf(database, address)
    before = await loginState(database, userId)
    saves.sessionIds.clear()
    monkeypatch.setattr(SqlTransaction, "commit", connectionLost)
    failed = await client.post("/api/auth/login", json={"email": address, "password": PASSWORD, "totpCode": code})
    monkeypatch.undo()
    assert failed.status_code == 503, failed.text
    assert len(saves.sessionIds) == 1 and not await redisClient.exists(f"kauth:session:{saves.sessionIds[0]}")
    assert await loginState(database, userId) == before


@pytest.mark.parametrize("change", ["statement_fails", "UPDATE users SET status = 'disabled' WHERE id = :id"])
async def test_aKeyWhoseSessionStatementWroteNothingIsDeleted(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, redisClient: Redis, saves: SessionSaves,
    monkeypatch: pytest.MonkeyPatch, change: str,
) -> None:
    address = await registerVerified(client, outboxDir)
    userId = await userIdOf(database, address)
    original = LoginRecords.snapshot

    async def changedMeanwhile(self: LoginRecords, email: str) -> LoginSnapshot | None:
        snapshot = await original(self, email)
        async with database.engine.begin() as connection:
            await connection.execute(text(change), {"id": userId})
        return snapshot

    if change == "statement_fails":
        monkeypatch.setattr(LoginRecords, "openSession", connectionLost)
    else:
        monkeypatch.setattr(LoginRecords, "snapshot", changedMeanwhile)
    response = await client.post("/api/auth/login", json={"email": address, "password": PASSWORD})
    client.cookies.clear()
    assert response.status_code in (403, 503), response.text
    assert len(saves.sessionIds) == 1 and not await redisClient.exists(f"kauth:session:{saves.sessionIds[0]}")
    assert (await loginState(database, userId))[0] == 0
