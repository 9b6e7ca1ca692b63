from __future__ import annotations

import json
import secrets
import uuid
from pathlib import Path

import asyncpg
import httpx2
import pytest
from sqlalchemy import text

from KAuthApp.backend.application.accountExportOutput import AccountExportOutput
from KAuthApp.backend.application.exportAccount import ExportAccount
from KAuthApp.tests.authTestSupport import PASSWORD, bearer, login, runSql, sessionIdOf, userIdOf
from KAuthApp.tests.test_accountDeletion import addPayment, auditOf, codeOf, signedInWithProfile, updatePayment
from shared.backend.database.engine import Database

EXPORT = "/api/auth/me/export"


# An audit row shaped as KSysAdmin's AuditTrail.record writes it (KSysAdmin/backend/application/auditTrail.py): every
# console action of a signed-in admin, refusals by audited() too, has actor_type 'admin' and the admin's user id,
# whatever its name.
async def consoleEntry(database: Database, actorId: uuid.UUID, action: str, outcome: str, targetType: str,
                       targetId: object, details: dict[str, object], ip: str = "203.0.113.9") -> None:
    async with database.engine.begin() as connection:
        await connection.execute(text(
            "INSERT INTO audit_logs (id, actor_id, actor_type, action, target_type, target_id, ip, request_id, "
            "outcome, details, created_at) VALUES (gen_random_uuid(), :actor, 'admin', :action, :targetType, "
            ":targetId, :ip, gen_random_uuid()::text, :outcome, CAST(:details AS jsonb), now())"),
            {"actor": actorId, "action": action, "targetType": targetType, "targetId": str(targetId), "ip": ip,
             "outcome": outcome, "details": json.dumps(details)})


async def test_exportHoldsTheAccountsOwnData(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address, tokens = await signedInWithProfile(client, outboxDir)
    other = await login(client, address)
    userId = await userIdOf(database, address)
    wrong = await client.post("/api/auth/login", json={"email": address, "password": PASSWORD + "x"})
    assert wrong.status_code == 401
    await addPayment(database, userId, "paid")
    # An admin's lock of the account (KSysAdmin/backend/application/changeUserStatus.py): its IP and details are
    # the admin's, never exported.
    await consoleEntry(database, uuid.uuid4(), "user.lock", "success", "user", userId,
                       {"from": "active", "to": "locked", "revokedSessions": 7})
    answer = await client.get(EXPORT, headers=bearer(tokens))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    # The document is built as plain values: it must still be what the OpenAPI schema says.
    assert AccountExportOutput.model_validate(body).model_dump(mode="json", by_alias=True) == body
    filename = f"kservices-data-{body['exportedAt'][:10]}.json"
    assert answer.headers["content-disposition"] == f'attachment; filename="{filename}"'
    account = body["account"]
    assert (account["id"], account["email"], account["displayName"], account["phoneNumber"]) \
        == (str(userId), address.lower(), "Budi Santoso", "+6281234567890")
    assert {session["id"] for session in body["sessions"]} == {sessionIdOf(tokens), sessionIdOf(other)}
    assert all(session["userAgent"] and session["revokedAt"] is None for session in body["sessions"])
    [payment] = body["payments"]
    assert (payment["amount"], payment["status"], payment["method"], payment["currency"]) \
        == (10000, "paid", "qris", "IDR")
    activity = body["activity"]
    own = [entry for entry in activity if entry["action"] == "auth.login" and entry["outcome"] == "success"]
    assert len(own) == 2 and all(entry["byYou"] and entry["details"]["method"] == "password" for entry in own)
    [failed] = [entry for entry in activity if entry["action"] == "auth.login" and entry["outcome"] == "failure"]
    assert (failed["byYou"], failed["ip"], failed["details"]) == (False, None, None)
    [locked] = [entry for entry in activity if entry["action"] == "user.lock"]
    assert (locked["byYou"], locked["ip"], locked["details"]) == (False, None, None)
    assert "203.0.113.9" not in answer.text and "revokedSessions" not in answer.text
    times = [entry["createdAt"] for entry in activity]
    assert times == sorted(times, reverse=True)
    assert body["truncated"] == {"sessions": False, "payments": False, "activity": False}
    [(outcome, details)] = await auditOf(database, userId, "auth.data_exported")
    assert outcome == "success"
    assert json.loads(details) == {"sessions": 2, "payments": 1, "activity": len(activity)}


async def test_exportHoldsNothingOfAnotherAccount(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    first, firstTokens = await signedInWithProfile(client, outboxDir)
    second, secondTokens = await signedInWithProfile(client, outboxDir)
    secondId = await userIdOf(database, second)
    await addPayment(database, secondId, "pending")
    body = (await client.get(EXPORT, headers=bearer(firstTokens))).json()
    assert body["account"]["email"] == first.lower()
    assert [session["id"] for session in body["sessions"]] == [sessionIdOf(firstTokens)]
    assert body["payments"] == []
    assert str(secondId) not in json.dumps(body) and second.lower() not in json.dumps(body)
    assert sessionIdOf(secondTokens) not in json.dumps(body)


async def test_anAdminsConsoleActionsOnOthersAreNotExported(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address, tokens = await signedInWithProfile(client, outboxDir)
    userId = await userIdOf(database, address)
    customer, paymentId = uuid.uuid4(), uuid.uuid4()
    # What this account did in the console to others, as KSysAdmin's use cases record it: a flag resolved with its
    # note (resolvePaymentFlag.py), a lock (changeUserStatus.py), a CORS change (updateCorsSetting.py), a refusal
    # recorded by audited() and one by the role check (authorizeAdmin.py).
    await consoleEntry(database, userId, "payment.flag_resolved", "success", "payment", paymentId,
                       {"flaggedReason": "amount_mismatch", "resolution": "refund sent to another customer"})
    await consoleEntry(database, userId, "user.lock", "success", "user", customer,
                       {"from": "active", "to": "locked", "revokedSessions": 3})
    await consoleEntry(database, userId, "settings.cors_update", "success", "setting", "cors",
                       {"version": 4, "from": ["https://old.example"], "to": ["https://shop.example"]})
    await consoleEntry(database, userId, "user.disable", "failure", "user", customer, {"code": "last_superadmin"})
    await consoleEntry(database, userId, "user.roles_set", "denied", "user", customer,
                       {"code": "insufficient_role", "roles": ["admin"]})
    # Console entries that name the account itself: its own sign-in (loginAdmin.py), a refused lock of itself and
    # another admin's lock.
    await consoleEntry(database, userId, "admin.login", "success", "user", userId,
                       {"sessionId": str(uuid.uuid4()), "roles": ["admin"], "method": "password"}, "198.51.100.7")
    await consoleEntry(database, userId, "user.lock", "failure", "user", userId, {"code": "cannot_target_self"})
    await consoleEntry(database, uuid.uuid4(), "user.lock", "success", "user", userId,
                       {"from": "active", "to": "locked", "revokedSessions": 1})
    answer = await client.get(EXPORT, headers=bearer(tokens))
    assert answer.status_code == 200, answer.text
    activity = answer.json()["activity"]
    console = sorted((entry["action"], entry["outcome"], entry["byYou"]) for entry in activity
                     if not entry["action"].startswith("auth."))
    assert console == [("admin.login", "success", True), ("user.lock", "failure", True),
                       ("user.lock", "success", False)]
    for secret in ("another customer", "shop.example", "last_superadmin", "insufficient_role", str(customer),
                  str(paymentId)):
        assert secret not in answer.text, secret
    [signIn] = [entry for entry in activity if entry["action"] == "admin.login"]
    assert (signIn["ip"], signIn["details"]["method"]) == ("198.51.100.7", "password")


async def test_aLockedOrDeletedAccountGetsTheGetMe401(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address, tokens = await signedInWithProfile(client, outboxDir)
    userId = await userIdOf(database, address)
    # The session key stays, as when an admin action's key deletion failed: the account row itself refuses.
    for statement in ("UPDATE users SET status = 'locked' WHERE id = :id",
                      "UPDATE users SET status = 'deleted', deleted_at = now() WHERE id = :id"):
        await runSql(database, statement, userId)
        for path in ("/api/auth/me", EXPORT):
            refused = await client.get(path, headers=bearer(tokens))
            assert (refused.status_code, codeOf(refused)) == (401, "invalid_token"), (statement, path)
    assert await auditOf(database, userId, "auth.data_exported") == []


async def test_theListsComeFromOneSnapshot(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    address, tokens = await signedInWithProfile(client, outboxDir)
    userId = await userIdOf(database, address)
    fetch = asyncpg.connection.Connection.fetch
    reads: list[str] = []

    # A payment committed by someone else right after the export's first read (the sessions).
    async def fetchThenPay(self: asyncpg.Connection, query: str, *args: object, **options: object) -> object:
        rows = await fetch(self, query, *args, **options)
        reads.append(query)
        if len(reads) == 1:
            await addPayment(database, userId, "paid")
        return rows

    monkeypatch.setattr(asyncpg.connection.Connection, "fetch", fetchThenPay)
    body = (await client.get(EXPORT, headers=bearer(tokens))).json()
    monkeypatch.undo()
    assert len(reads) == 3 and "FROM sessions" in reads[0]
    assert body["payments"] == []
    assert len((await client.get(EXPORT, headers=bearer(tokens))).json()["payments"]) == 1


async def test_aLongHistoryKeepsItsNewestRowsAndSaysSo(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    address, tokens = await signedInWithProfile(client, outboxDir)
    newest = await login(client, address)
    userId = await userIdOf(database, address)
    await addPayment(database, userId, "paid")
    await addPayment(database, userId, "expired")
    monkeypatch.setattr(ExportAccount, "rowLimit", 1)
    body = (await client.get(EXPORT, headers=bearer(tokens))).json()
    assert body["truncated"] == {"sessions": True, "payments": True, "activity": True}
    assert [session["id"] for session in body["sessions"]] == [sessionIdOf(newest)]
    assert [payment["status"] for payment in body["payments"]] == ["expired"]
    assert len(body["activity"]) == 1


async def test_exportNeedsALiveSession(client: httpx2.AsyncClient, outboxDir: Path, database: Database) -> None:
    address, tokens = await signedInWithProfile(client, outboxDir)
    assert (await client.get(EXPORT)).status_code == 401
    assert (await client.post("/api/auth/logout-all", headers=bearer(tokens))).status_code == 204
    refused = await client.get(EXPORT, headers=bearer(tokens))
    assert refused.status_code == 401
    assert await auditOf(database, await userIdOf(database, address), "auth.data_exported") == []


# A BRIVA payment's VA number is stored as BRI gives it: the partner service id left-padded with spaces to 8
# characters, then the customer number.
async def addBrivaPayment(database: Database, userId: uuid.UUID, status: str) -> str:
    number = "   77777" + "".join(secrets.choice("0123456789") for _ in range(13))
    async with database.engine.begin() as connection:
        await connection.execute(text(
            "INSERT INTO payments (id, user_id, amount, method, status, idempotency_key, request_hash, "
            "partner_reference_no, virtual_account_no, customer_no, expires_at) VALUES (gen_random_uuid(), :id, "
            "10000, 'briva', :status, gen_random_uuid()::text, 'h', gen_random_uuid()::text, :number, :customer, "
            "now() + interval '1 hour')"), {"id": userId, "status": status, "number": number, "customer": number[8:]})
    return number


# The export shows each payment's VA number as the payment API does (PaymentOutput.fromPayment): the digits the
# customer types, and none for a failed payment.
async def test_exportShowsVaNumbersAsThePaymentApi(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address, tokens = await signedInWithProfile(client, outboxDir)
    userId = await userIdOf(database, address)
    stored = {status: await addBrivaPayment(database, userId, status) for status in ("pending", "paid", "failed")}
    exported = {payment["status"]: payment["virtualAccountNo"]
                for payment in (await client.get(EXPORT, headers=bearer(tokens))).json()["payments"]}
    assert exported == {"pending": stored["pending"][3:], "paid": stored["paid"][3:], "failed": None}


# The reason a payment failed, as GET /api/payment/payments shows it (PaymentOutput.failureReason).
async def test_exportShowsAFailedPaymentsReason(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address, tokens = await signedInWithProfile(client, outboxDir)
    userId = await userIdOf(database, address)
    await addPayment(database, userId, "paid")
    failed = await addPayment(database, userId, "failed")
    await updatePayment(database, failed, "failure_reason = 'gateway_rejected: the bank refused the request'")
    answer = await client.get(EXPORT, headers=bearer(tokens))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert AccountExportOutput.model_validate(body).model_dump(mode="json", by_alias=True) == body
    reasons = {payment["status"]: payment["failureReason"] for payment in body["payments"]}
    assert reasons == {"paid": None, "failed": "gateway_rejected: the bank refused the request"}
