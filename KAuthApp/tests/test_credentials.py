from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import bindparam, text

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


# A login for no account records of the typed address a keyed digest and the domain, never the address: audit rows
# can never be changed, and a deleted account's old address must not come back into them through a saved password.
# A typed value that is no address (a password in the wrong box) records neither.
async def test_unknownAccountAuditKeepsAKeyedDigestOnly(
    client: httpx2.AsyncClient, database: Database, outboxDir: Path
) -> None:
    deleted = await registerVerified(client, outboxDir)
    gone = await client.post("/api/auth/me/delete", headers=bearer(await login(client, deleted)),
                             json={"password": PASSWORD})
    assert gone.status_code == 204, gone.text
    stranger, other, pasted = uniqueEmail(), uniqueEmail(), f"pasted-passphrase-{uuid.uuid4().hex}"
    typed = [deleted, stranger.upper(), f" {stranger.lower()} ", other, pasted]
    requestIds = []
    for address in typed:
        refused = await client.post("/api/auth/login", json={"email": address, "password": "whatever it is 1"})
        assert refused.status_code == 401
        requestIds.append(refused.headers["x-request-id"])
    async with database.engine.connect() as connection:
        rows = (await connection.execute(text(
            "SELECT request_id, details::text FROM audit_logs WHERE action = 'auth.login' AND request_id IN :ids"
        ).bindparams(bindparam("ids", expanding=True)), {"ids": requestIds})).all()
    stored = dict(rows)
    recorded = [json.loads(stored[requestId]) for requestId in requestIds]
    assert [entry["reason"] for entry in recorded] == ["unknown_account"] * 5
    assert not any(address.strip().lower().split("@")[0] in written for address in typed for written in stored.values())
    assert all("email" not in entry for entry in recorded)
    digests = [entry["emailDigest"] for entry in recorded]
    assert [entry["emailDomain"] for entry in recorded] == ["example.com"] * 4 + [None]
    assert all(re.fullmatch("[0-9a-f]{32}", digest) for digest in digests[:4]) and digests[4] is None
    assert digests[1] == digests[2] and len(set(digests[1:4])) == 2 and digests[0] not in digests[1:4]
    # Keyed: an unkeyed hash of the address (found by hashing a list of addresses) matches no stored digest.
    unkeyed = [hashlib.sha256(address.strip().lower().encode()).hexdigest() for address in typed[:4]]
    assert not any(hashed.startswith(digest) for hashed, digest in zip(unkeyed, digests[:4], strict=True))
