from __future__ import annotations

import uuid
from pathlib import Path

import httpx2
import pytest
from redis.asyncio import Redis
from sqlalchemy import text

from KAuthApp.tests.authTestSupport import (
    PASSWORD,
    bearer,
    latestToken,
    login,
    mailsTo,
    registerVerified,
    runSql,
    sessionIdOf,
    uniqueEmail,
    userIdOf,
    waitForMails,
)
from KAuthApp.tests.test_mfa import enableMfa
from shared.backend.database.engine import Database

DELETE = "/api/auth/me/delete"
PENDING_MESSAGE = "Finish or cancel your pending payments before deleting the account"
UNSETTLED_MESSAGE = ("A payment of yours may still be paid or is being reviewed by our staff: the account can be "
                     "deleted once it is settled")


def codeOf(response: httpx2.Response) -> str:
    return response.json()["error"]["code"]


async def deleteAccount(client: httpx2.AsyncClient, tokens: dict[str, str], password: str = PASSWORD,
                        **proof: str | None) -> httpx2.Response:
    return await client.post(DELETE, headers=bearer(tokens), json={"password": password, **proof})


async def userRow(database: Database, userId: uuid.UUID) -> dict[str, object]:
    async with database.engine.connect() as connection:
        row = await connection.execute(text(
            "SELECT email, status, display_name, phone_encrypted, password_hash, totp_secret_encrypted, mfa_enabled, "
            "deleted_at, cardinality(failed_login_times) AS failures, "
            "(SELECT count(*) FROM user_roles WHERE user_id = users.id) AS roles, "
            "(SELECT count(*) FROM one_time_tokens WHERE user_id = users.id) AS tokens, "
            "(SELECT count(*) FROM mfa_recovery_codes WHERE user_id = users.id) AS recovery_codes, "
            "(SELECT count(*) FROM sessions WHERE user_id = users.id AND revoked_at IS NULL) AS live_sessions, "
            "(SELECT count(*) FROM sessions WHERE user_id = users.id AND (ip IS NOT NULL OR user_agent IS NOT NULL "
            "OR device_fingerprint IS NOT NULL)) AS traced_sessions "
            "FROM users WHERE id = :id"), {"id": userId})
        return dict(row.mappings().one())


async def auditOf(database: Database, userId: uuid.UUID, action: str) -> list[tuple[str, str]]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(text(
            "SELECT outcome, details::text FROM audit_logs WHERE target_id = :id AND action = :action "
            "ORDER BY created_at, id"), {"id": str(userId), "action": action})
        return [(row[0], row[1]) for row in rows.all()]


async def addPayment(database: Database, userId: uuid.UUID, status: str) -> uuid.UUID:
    paymentId = uuid.uuid4()
    async with database.engine.begin() as connection:
        await connection.execute(text(
            "INSERT INTO payments (id, user_id, amount, method, status, idempotency_key, request_hash, "
            "partner_reference_no, expires_at) VALUES (:paymentId, :id, 10000, 'qris', :status, "
            "gen_random_uuid()::text, 'h', gen_random_uuid()::text, now() + interval '1 hour')"),
            {"paymentId": paymentId, "id": userId, "status": status})
    return paymentId


# As KSysPayment would: `assignments` is an UPDATE's SET list, a test's constant.
async def updatePayment(database: Database, paymentId: uuid.UUID, assignments: str) -> None:
    statement = text(f"UPDATE payments SET {assignments} WHERE id = :id")  # noqa: S608
    async with database.engine.begin() as connection:
        await connection.execute(statement, {"id": paymentId})


async def signedInWithProfile(client: httpx2.AsyncClient, outboxDir: Path) -> tuple[str, dict[str, str]]:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    updated = await client.patch("/api/auth/me", headers=bearer(tokens),
                                 json={"displayName": "Budi Santoso", "phoneNumber": "+6281234567890"})
    assert updated.status_code == 200, updated.text
    return address, tokens


async def test_deletionAnonymizesTheAccountAndEndsEverySession(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, redisClient: Redis
) -> None:
    address, tokens = await signedInWithProfile(client, outboxDir)
    # Another browser's session: a sign-in with this client's cookie would end the first one.
    other = await login(client, address)
    userId = await userIdOf(database, address)
    # An open reset link is deleted with the account.
    assert (await client.post("/api/auth/password/forgot", json={"email": address})).status_code == 202
    latestToken(outboxDir, address, "reset-password")
    await addPayment(database, userId, "paid")
    assert (await userRow(database, userId))["traced_sessions"] == 2
    deleted = await deleteAccount(client, tokens, code=None, recoveryCode=None)
    assert deleted.status_code == 204, deleted.text
    cookie = deleted.headers["set-cookie"]
    assert cookie.startswith('kauth_refresh=""') and "Max-Age=0" in cookie
    row = await userRow(database, userId)
    assert row["email"] == f"deleted-{userId}@invalid"
    assert (row["status"], row["display_name"], row["phone_encrypted"], row["totp_secret_encrypted"]) \
        == ("deleted", None, None, None)
    assert row["deleted_at"] is not None and not str(row["password_hash"]).startswith("$argon2")
    assert (row["roles"], row["tokens"], row["live_sessions"], row["traced_sessions"]) == (0, 0, 0, 0)
    for session in (tokens, other):
        assert await redisClient.exists(f"kauth:session:{sessionIdOf(session)}") == 0
        refused = await client.get("/api/auth/me", headers=bearer(session))
        assert refused.status_code == 401
    assert (await client.post("/api/auth/refresh", json={"refreshToken": other["refreshToken"]})).status_code == 401
    [(outcome, details)] = await auditOf(database, userId, "auth.account_deleted")
    assert outcome == "success" and address.lower() not in details.lower() and "Budi" not in details
    # The payment stays, still naming the account's id.
    async with database.engine.connect() as connection:
        kept = await connection.execute(text("SELECT count(*) FROM payments WHERE user_id = :id"), {"id": userId})
        assert kept.scalar_one() == 1


async def test_wrongPasswordChangesNothingAndCounts(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address, tokens = await signedInWithProfile(client, outboxDir)
    await enableMfa(client, tokens)
    userId = await userIdOf(database, address)
    body = {"password": "not my password", "code": None, "recoveryCode": None}
    wrong = await client.post(DELETE, headers=bearer(tokens), json=body)
    disabling = await client.post("/api/auth/mfa/totp/disable", headers=bearer(tokens), json=body)
    assert (wrong.status_code, codeOf(wrong)) == (disabling.status_code, codeOf(disabling)) \
        == (403, "invalid_password")
    row = await userRow(database, userId)
    # Both wrong passwords count toward the login lockout.
    assert (row["email"], row["status"], row["display_name"], row["mfa_enabled"], row["failures"]) \
        == (address.lower(), "active", "Budi Santoso", True, 2)
    [(outcome, details)] = await auditOf(database, userId, "auth.account_deleted")
    assert outcome == "failure" and "wrong_password" in details
    assert (await client.get("/api/auth/me", headers=bearer(tokens))).status_code == 200


async def test_anMfaAccountNeedsItsCode(client: httpx2.AsyncClient, outboxDir: Path, database: Database) -> None:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    totp, recoveryCodes, _ = await enableMfa(client, tokens)
    userId = await userIdOf(database, address)
    wrongCode = "000000" if totp.now() != "000000" else "111111"
    # The same answers as MFA disable for the same proofs.
    for proof in ({}, {"code": wrongCode}):
        body = {"password": PASSWORD, **proof}
        deleting = await client.post(DELETE, headers=bearer(tokens), json=body)
        disabling = await client.post("/api/auth/mfa/totp/disable", headers=bearer(tokens), json=body)
        assert (deleting.status_code, codeOf(deleting)) == (disabling.status_code, codeOf(disabling)) \
            == (401, "invalid_mfa_code"), proof
    assert (await userRow(database, userId))["status"] == "active"
    deleted = await deleteAccount(client, tokens, recoveryCode=recoveryCodes[0])
    assert deleted.status_code == 204, deleted.text
    row = await userRow(database, userId)
    assert (row["status"], row["mfa_enabled"], row["totp_secret_encrypted"], row["recovery_codes"], row["failures"]) \
        == ("deleted", False, None, 0, 0)


async def test_aPendingPaymentRefusesTheDeletion(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address, tokens = await signedInWithProfile(client, outboxDir)
    userId = await userIdOf(database, address)
    await addPayment(database, userId, "pending")
    before = await userRow(database, userId)
    refused = await deleteAccount(client, tokens)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "payments_pending"
    assert refused.json()["error"]["message"] == PENDING_MESSAGE
    assert await userRow(database, userId) == before
    assert await auditOf(database, userId, "auth.account_deleted") == []
    assert (await client.get("/api/auth/me", headers=bearer(tokens))).status_code == 200


RESOLVED = "flag_resolved_at = now(), flag_resolved_by = user_id, flag_resolution = 'refunded at BRI'"


# Money may still move, or be owed back, on a payment that is no longer pending: a cancelled or expired QR stays payable
# at BRI while reconciliation rechecks it (recheck_at set), and an open flag (a late payment, a wrong amount) waits for
# an admin, maybe for a refund. The deletion waits for both, read only; a cleared recheck or a resolved flag no longer
# holds it.
@pytest.mark.parametrize(("status", "holding", "released"), [
    ("cancelled", "recheck_at = now() + interval '5 minutes'", "recheck_at = NULL"),
    ("expired", "recheck_at = now() - interval '1 minute'", "recheck_at = NULL"),
    ("paid", "flagged_reason = 'amount_mismatch: BRI reported 9000 IDR'", RESOLVED),
    ("expired", "flagged_reason = 'late_payment: paid while expired'", RESOLVED),
])
async def test_anUnsettledPaymentRefusesTheDeletion(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, status: str, holding: str, released: str
) -> None:
    address, tokens = await signedInWithProfile(client, outboxDir)
    userId = await userIdOf(database, address)
    paymentId = await addPayment(database, userId, status)
    await updatePayment(database, paymentId, holding)
    before = await userRow(database, userId)
    refused = await deleteAccount(client, tokens, password="not my password")
    assert refused.status_code == 409, refused.text
    assert (codeOf(refused), refused.json()["error"]["message"]) == ("payments_unsettled", UNSETTLED_MESSAGE)
    # Refused before the proof is checked: the wrong password is not counted either.
    assert await userRow(database, userId) == before
    assert await auditOf(database, userId, "auth.account_deleted") == []
    assert (await client.get("/api/auth/me", headers=bearer(tokens))).status_code == 200
    await updatePayment(database, paymentId, released)
    deleted = await deleteAccount(client, tokens)
    assert deleted.status_code == 204, deleted.text
    assert (await userRow(database, userId))["status"] == "deleted"


# An admin's roles change only in the console, under its roles lock (which keeps an active superadmin): the public
# deletion would have removed them, the last superadmin's included.
async def test_anAdminAccountIsRefused(client: httpx2.AsyncClient, outboxDir: Path, database: Database) -> None:
    address, tokens = await signedInWithProfile(client, outboxDir)
    userId = await userIdOf(database, address)
    await runSql(database, "INSERT INTO user_roles (user_id, role_id, created_at) "
                           "SELECT :id, id, now() FROM roles WHERE name = 'superadmin'", userId)
    before = await userRow(database, userId)
    try:
        refused = await deleteAccount(client, tokens)
        after = await userRow(database, userId)
    finally:
        # Other suites count the active superadmins of the shared database.
        await runSql(database, "DELETE FROM user_roles WHERE user_id = :id "
                               "AND role_id = (SELECT id FROM roles WHERE name = 'superadmin')", userId)
    assert refused.status_code == 409
    assert codeOf(refused) == "admin_account"
    assert after == before
    assert await auditOf(database, userId, "auth.account_deleted") == []


async def test_theOldAddressIsUnknownAndFreeAgain(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address, tokens = await signedInWithProfile(client, outboxDir)
    oldId = await userIdOf(database, address)
    assert (await deleteAccount(client, tokens)).status_code == 204
    client.cookies.clear()
    deletedLogin = await client.post("/api/auth/login", json={"email": address, "password": PASSWORD})
    unknownLogin = await client.post("/api/auth/login", json={"email": uniqueEmail(), "password": PASSWORD})
    assert deletedLogin.status_code == unknownLogin.status_code == 401
    assert {**deletedLogin.json()["error"], "requestId": None} == {**unknownLogin.json()["error"], "requestId": None}
    mailsBefore = len(mailsTo(outboxDir, address))
    assert (await client.post("/api/auth/password/forgot", json={"email": address})).status_code == 202
    assert len(waitForMails(outboxDir, address, mailsBefore + 1, timeout=1.0)) == mailsBefore
    registered = await client.post("/api/auth/register", json={"email": address, "password": PASSWORD})
    assert registered.status_code == 202, registered.text
    token = latestToken(outboxDir, address, "verify-email", count=mailsBefore + 1)
    assert (await client.post("/api/auth/verify-email", json={"token": token})).status_code == 200
    fresh = await login(client, address)
    assert (await client.get("/api/auth/me", headers=bearer(fresh))).json()["email"] == address.lower()
    assert await userIdOf(database, address) != oldId
