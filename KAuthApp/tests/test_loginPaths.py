from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import httpx2
import pytest
from argon2 import PasswordHasher as Argon2Hasher
from sqlalchemy import text

from KAuthApp.backend.domain.loginSnapshot import LoginSnapshot
from KAuthApp.backend.domain.sessionRecord import SessionRecord
from KAuthApp.backend.infrastructure.database.loginRecords import OPEN_SESSION, SNAPSHOT, LoginRecords
from KAuthApp.tests.authTestSupport import PASSWORD, login, registerVerified, runSql, uniqueEmail, userIdOf
from KAuthApp.tests.statementLog import sqlStatements
from shared.backend.database.auditRecord import AuditRecord
from shared.backend.database.engine import Database
from shared.backend.database.modelSupport import utcNow
from shared.backend.utils.uuid import generateId

# Another password's hash (cheap parameters: verifying against it only has to fail).
OTHER_HASH = Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1).hash("another password 42")


async def rowCounts(database: Database, userId: uuid.UUID) -> tuple[int, int]:
    async with database.engine.connect() as connection:
        row = (await connection.execute(text(
            "SELECT (SELECT count(*) FROM sessions WHERE user_id = :id), "
            "(SELECT count(*) FROM audit_logs WHERE target_id = CAST(:id AS text) AND action = 'auth.login')"
        ), {"id": userId})).one()
        return int(row[0]), int(row[1])


async def test_everyLoginAttemptRunsArgon2Once(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, argon2Runs: list[str]
) -> None:
    address = await registerVerified(client, outboxDir)
    unverified = uniqueEmail()
    await client.post("/api/auth/register", json={"email": unverified, "password": PASSWORD})
    locked = await registerVerified(client, outboxDir)
    await runSql(database, "UPDATE users SET locked_until = now() + interval '1 hour' WHERE id = :id",
                 await userIdOf(database, locked))
    attempts = [(address, PASSWORD, 200), (address, "wrong password 123", 401), (uniqueEmail(), PASSWORD, 401),
                (unverified, PASSWORD, 403), (locked, PASSWORD, 423)]
    for email, password, status in attempts:
        argon2Runs.clear()
        response = await client.post("/api/auth/login", json={"email": email, "password": password})
        client.cookies.clear()
        assert response.status_code == status, (email, response.text)
        assert len(argon2Runs) == 1, (email, status)


# A malformed address is not a 422 (that would tell it apart from an unknown one): the dummy hash, then 401.
async def test_malformedAddressCostsTheDummyHash(client: httpx2.AsyncClient, argon2Runs: list[str]) -> None:
    for address in ("not-an-email", "a@@b.example.com", "x" * 254):
        argon2Runs.clear()
        response = await client.post("/api/auth/login", json={"email": address, "password": PASSWORD})
        assert response.status_code == 401, address
        assert response.json()["error"]["code"] == "invalid_credentials"
        assert len(argon2Runs) == 1, address


async def test_usualLoginIsTwoStatements(client: httpx2.AsyncClient, outboxDir: Path, database: Database) -> None:
    address = await registerVerified(client, outboxDir)
    userId = await userIdOf(database, address)
    await runSql(database, "UPDATE users SET failed_login_times = array_fill(now(), ARRAY[2]) "
                           "WHERE id = :id", userId)
    async with sqlStatements() as statements:
        await login(client, address)
    client.cookies.clear()
    assert statements == [SNAPSHOT.sql, OPEN_SESSION.sql]
    assert await rowCounts(database, userId) == (1, 1)
    async with database.engine.connect() as connection:
        counters = (await connection.execute(text(
            "SELECT failed_login_times, locked_until FROM users WHERE id = :id"), {"id": userId}
        )).one()
    assert tuple(counters) == ([], None)


def records(snapshot: LoginSnapshot) -> tuple[SessionRecord, AuditRecord]:
    now = utcNow()
    session = SessionRecord(id=generateId(), userId=snapshot.id, familyId=generateId(),
                            refreshTokenHash=uuid.uuid4().hex, deviceFingerprint=None, ip="203.0.113.9",
                            userAgent=None, createdAt=now, lastUsedAt=now, idleExpiresAt=now + timedelta(days=1),
                            absoluteExpiresAt=now + timedelta(days=2))
    audit = AuditRecord(id=generateId(), actorId=snapshot.id, actorType="user", action="auth.login",
                        targetType="user", targetId=str(snapshot.id), ip="203.0.113.9", requestId=None,
                        outcome="success", details={"sessionId": str(session.id)}, createdAt=now)
    return session, audit


async def test_openSessionWritesNothingOnceTheAccountChanged(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address = await registerVerified(client, outboxDir)
    userId = await userIdOf(database, address)
    logins = LoginRecords(database.driverPool)
    snapshot = await logins.snapshot(address.lower())
    assert snapshot is not None and snapshot.passwordSuffices() and snapshot.roles == ["user"]
    changes = {
        "UPDATE users SET status = 'disabled' WHERE id = :id": "UPDATE users SET status = 'active' WHERE id = :id",
        "UPDATE users SET locked_until = now() + interval '1 hour' WHERE id = :id":
            "UPDATE users SET locked_until = NULL WHERE id = :id",
        "UPDATE users SET mfa_enabled = true WHERE id = :id": "UPDATE users SET mfa_enabled = false WHERE id = :id",
        "UPDATE users SET deleted_at = now() WHERE id = :id": "UPDATE users SET deleted_at = NULL WHERE id = :id",
        "UPDATE users SET password_hash = 'x' || password_hash WHERE id = :id":
            "UPDATE users SET password_hash = substr(password_hash, 2) WHERE id = :id",
    }
    for change, undo in changes.items():
        await runSql(database, change, userId)
        assert await logins.openSession(snapshot.passwordHash, utcNow(), *records(snapshot)) is None, change
        assert await rowCounts(database, userId) == (0, 0), change
        await runSql(database, undo, userId)
    session, audit = records(snapshot)
    assert await logins.openSession(snapshot.passwordHash, utcNow(), session, audit) == session.id
    assert await rowCounts(database, userId) == (1, 1)
    async with database.engine.connect() as connection:
        stored = (await connection.execute(text("SELECT details->>'sessionId', ip FROM audit_logs WHERE id = :id"),
                                           {"id": audit.id})).one()
    assert tuple(stored) == (str(session.id), "203.0.113.9")


@pytest.mark.parametrize(("change", "status", "code", "runs"), [
    ("UPDATE users SET status = 'disabled' WHERE id = :id", 403, "account_disabled", 1),
    ("UPDATE users SET password_hash = :hash WHERE id = :id", 401, "invalid_credentials", 2),
])
async def test_changeAfterSnapshotIsSettledOnTheLockedRow(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, monkeypatch: pytest.MonkeyPatch,
    argon2Runs: list[str], change: str, status: int, code: str, runs: int,
) -> None:
    address = await registerVerified(client, outboxDir)
    userId = await userIdOf(database, address)
    original = LoginRecords.snapshot

    async def changedMeanwhile(self: LoginRecords, email: str) -> LoginSnapshot | None:
        snapshot = await original(self, email)
        async with database.engine.begin() as connection:
            await connection.execute(text(change), {"id": userId, "hash": OTHER_HASH})
        return snapshot

    monkeypatch.setattr(LoginRecords, "snapshot", changedMeanwhile)
    response = await client.post("/api/auth/login", json={"email": address, "password": PASSWORD})
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert len(argon2Runs) == runs
    assert (await rowCounts(database, userId))[0] == 0


# The login reads its own body (loginRoute.py): bad bodies get the same 422 field details as declared bodies (a
# form the same 415), and neither Argon2 nor any write runs.
async def test_malformedLoginBodiesAreRefusedBeforeAnyWork(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, argon2Runs: list[str]
) -> None:
    address = await registerVerified(client, outboxDir)
    userId = await userIdOf(database, address)
    before = await rowCounts(database, userId)
    cases = [({"json": {"email": address}}, {"password"}),
             ({"json": {"email": address, "password": PASSWORD, "admin": True}}, {"admin"}),
             ({"json": {"email": address, "password": 12345678}}, {"password"}),
             ({"json": {"email": address, "password": PASSWORD, "totpCode": "1" * 17}}, {"totpCode"}),
             ({"content": b'{"email": "', "headers": {"Content-Type": "application/json"}}, {"body"})]
    for request, fields in cases:
        response = await client.post("/api/auth/login", **request)  # type: ignore[arg-type]
        assert response.status_code == 422, request
        error = response.json()["error"]
        assert error["code"] == "validation_failed"
        assert {detail["field"] for detail in error["details"]} == fields, request
        assert PASSWORD not in response.text
    form = await client.post("/api/auth/login", data={"email": address, "password": PASSWORD})
    assert (form.status_code, form.json()["error"]["code"]) == (415, "unsupported_media_type")
    assert PASSWORD not in form.text
    assert argon2Runs == []
    assert await rowCounts(database, userId) == before
