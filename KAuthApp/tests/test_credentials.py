from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import text

from KAuthApp.backend.infrastructure.http.authService import createAuthService
from KAuthApp.tests.authTestSupport import PASSWORD, authAppSettings, bearer, login, registerVerified, uniqueEmail
from shared.backend.appFactory import createApp
from shared.backend.config.settings import Settings
from shared.backend.database.engine import Database
from tests.support.inProcess import runningApp

LOCK_SECONDS = 2


@pytest.fixture(scope="module")
async def lockingClient(settings: Settings, outboxDir: Path) -> AsyncIterator[httpx2.AsyncClient]:
    small = authAppSettings(settings, outboxDir, lockoutThreshold=3, lockoutWindowSeconds=60,
                            lockoutDurationSeconds=LOCK_SECONDS)
    async with runningApp(createApp(small, createAuthService(small))) as running:
        yield running


def withoutRequestId(response: httpx2.Response) -> dict[str, object]:
    error = dict(response.json()["error"])
    error.pop("requestId")
    return error


async def timedLogin(client: httpx2.AsyncClient, address: str, password: str) -> tuple[httpx2.Response, float]:
    started = time.perf_counter()
    response = await client.post("/api/auth/login", json={"email": address, "password": password})
    return response, time.perf_counter() - started


async def test_unknownEmailAndWrongPasswordAreIndistinguishable(client: httpx2.AsyncClient, outboxDir: Path) -> None:
    # Two accounts, so that 7 wrong passwords stay under the lockout threshold (5) on each.
    addresses = [await registerVerified(client, outboxDir) for _ in range(2)]
    wrong, wrongTimes = None, []
    unknown, unknownTimes = None, []
    for attempt in range(7):
        wrong, elapsed = await timedLogin(client, addresses[attempt % 2], "wrong password 123")
        wrongTimes.append(elapsed)
        unknown, elapsed = await timedLogin(client, uniqueEmail(), "wrong password 123")
        unknownTimes.append(elapsed)
    assert wrong is not None and unknown is not None
    assert wrong.status_code == unknown.status_code == 401
    assert withoutRequestId(wrong) == withoutRequestId(unknown)
    assert withoutRequestId(wrong)["code"] == "invalid_credentials"
    assert set(wrong.headers) - {"x-request-id", "content-length"} == set(unknown.headers) - {
        "x-request-id", "content-length"}
    # Both pay one Argon2id verification (test_loginPaths counts the runs): the medians of 7 interleaved
    # attempts stay within a factor of two, through a slow VM's hiccups.
    wrongMedian, unknownMedian = sorted(wrongTimes)[3], sorted(unknownTimes)[3]
    assert 0.5 < unknownMedian / wrongMedian < 2.0


async def test_lockoutAfterThresholdAndUnlockAfterDuration(lockingClient: httpx2.AsyncClient, outboxDir: Path) -> None:
    address = await registerVerified(lockingClient, outboxDir)
    for _ in range(2):
        response = await lockingClient.post("/api/auth/login", json={"email": address, "password": "nope nope 1"})
        assert response.json()["error"]["code"] == "invalid_credentials"
    locking = await lockingClient.post("/api/auth/login", json={"email": address, "password": "nope nope 1"})
    assert locking.status_code == 423
    error = locking.json()["error"]
    assert error["code"] == "account_locked"
    assert 0 < error["details"][0]["retryAfter"] <= LOCK_SECONDS
    assert locking.headers["retry-after"]
    # While locked even the right password is refused.
    correct = await lockingClient.post("/api/auth/login", json={"email": address, "password": PASSWORD})
    assert correct.status_code == 423
    await asyncio.sleep(LOCK_SECONDS + 0.2)
    assert (await login(lockingClient, address))["accessToken"]
    lockingClient.cookies.clear()


async def test_successResetsFailureCount(lockingClient: httpx2.AsyncClient, outboxDir: Path) -> None:
    address = await registerVerified(lockingClient, outboxDir)
    for _ in range(2):
        await lockingClient.post("/api/auth/login", json={"email": address, "password": "nope nope 1"})
    await login(lockingClient, address)
    for _ in range(2):
        response = await lockingClient.post("/api/auth/login", json={"email": address, "password": "nope nope 1"})
        assert response.status_code == 401
    lockingClient.cookies.clear()


async def test_changePasswordNeedsCurrentAndEndsOtherSessions(client: httpx2.AsyncClient, outboxDir: Path) -> None:
    address = await registerVerified(client, outboxDir)
    other = await login(client, address)
    current = await login(client, address)
    client.cookies.clear()
    newPassword = "a brand new passphrase 7"
    wrong = await client.post("/api/auth/password/change", headers=bearer(current),
                              json={"currentPassword": "not it at all", "newPassword": newPassword})
    assert wrong.status_code == 403
    assert wrong.json()["error"]["code"] == "invalid_password"
    weak = await client.post("/api/auth/password/change", headers=bearer(current),
                             json={"currentPassword": PASSWORD, "newPassword": "qwerty123"})
    assert weak.json()["error"]["code"] == "weak_password"
    assert weak.json()["error"]["details"][0]["field"] == "newPassword"
    changed = await client.post("/api/auth/password/change", headers=bearer(current),
                                json={"currentPassword": PASSWORD, "newPassword": newPassword})
    assert changed.status_code == 204
    assert (await client.get("/api/auth/me", headers=bearer(current))).status_code == 200
    assert (await client.get("/api/auth/me", headers=bearer(other))).status_code == 401
    old = await client.post("/api/auth/login", json={"email": address, "password": PASSWORD})
    assert old.status_code == 401
    assert (await login(client, address, newPassword))["accessToken"]
    client.cookies.clear()


# A login for no account records the typed address in its audit entry only when it is an address: the email box
# may hold a password typed in the wrong place, and every admin reads the audit log.
async def test_unknownAccountAuditKeepsAddressesOnly(client: httpx2.AsyncClient, database: Database) -> None:
    stranger, pasted = uniqueEmail(), f"pasted-passphrase-{uuid.uuid4().hex}"
    for typed in (stranger.upper(), pasted):
        refused = await client.post("/api/auth/login", json={"email": typed, "password": "whatever it is 1"})
        assert refused.status_code == 401
    async with database.engine.connect() as connection:
        recorded = (await connection.execute(text(
            "SELECT details->>'email' FROM audit_logs WHERE action = 'auth.login' "
            "AND details->>'reason' = 'unknown_account' ORDER BY created_at DESC, id DESC LIMIT 2"))).scalars().all()
        leaked = (await connection.execute(text("SELECT count(*) FROM audit_logs WHERE details::text LIKE :typed"),
                                           {"typed": f"%{pasted}%"})).scalar_one()
    assert recorded == [None, stranger.lower()]
    assert leaked == 0
