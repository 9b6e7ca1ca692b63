from __future__ import annotations

import json
import uuid
from pathlib import Path

import asyncpg
import httpx2
import pytest
from sqlalchemy import text

from KAuthApp.backend.application.accountExportOutput import AccountExportOutput
from KAuthApp.backend.application.exportAccount import ExportAccount
from KAuthApp.tests.authTestSupport import PASSWORD, bearer, login, sessionIdOf, userIdOf
from KAuthApp.tests.test_accountDeletion import addPayment, auditOf, signedInWithProfile
from shared.backend.database.engine import Database

EXPORT = "/api/auth/me/export"


async def adminEntry(database: Database, userId: uuid.UUID) -> None:
    # An admin's action on the account: its IP and details are the admin's, never exported.
    async with database.engine.begin() as connection:
        await connection.execute(text(
            "INSERT INTO audit_logs (id, actor_id, actor_type, action, target_type, target_id, ip, outcome, details, "
            "created_at) VALUES (gen_random_uuid(), gen_random_uuid(), 'admin', 'admin.user_locked', 'user', :target, "
            "'203.0.113.9', 'success', '{\"reason\": \"admin note\"}', now())"), {"target": str(userId)})


async def test_exportHoldsTheAccountsOwnData(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address, tokens = await signedInWithProfile(client, outboxDir)
    other = await login(client, address)
    userId = await userIdOf(database, address)
    wrong = await client.post("/api/auth/login", json={"email": address, "password": PASSWORD + "x"})
    assert wrong.status_code == 401
    await addPayment(database, userId, "paid")
    await adminEntry(database, userId)
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
    [locked] = [entry for entry in activity if entry["action"] == "admin.user_locked"]
    assert (locked["byYou"], locked["ip"], locked["details"]) == (False, None, None)
    assert "203.0.113.9" not in answer.text and "admin note" not in answer.text
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
    async with database.engine.begin() as connection:
        await connection.execute(text(
            "INSERT INTO audit_logs (id, actor_id, actor_type, action, target_type, target_id, ip, outcome, details, "
            "created_at) VALUES (gen_random_uuid(), :actor, 'admin', 'admin.flag_resolved', 'payment', "
            "gen_random_uuid()::text, '198.51.100.7', 'success', '{\"note\": \"refund sent to another customer\"}', "
            "now()), (gen_random_uuid(), :actor, 'admin', 'admin.user_locked', 'user', :target, '198.51.100.7', "
            "'success', '{}', now())"), {"actor": userId, "target": str(userId)})
    body = (await client.get(EXPORT, headers=bearer(tokens))).json()
    actions = [entry["action"] for entry in body["activity"]]
    assert "admin.flag_resolved" not in actions and "another customer" not in json.dumps(body)
    # An admin action that names the account itself stays.
    [own] = [entry for entry in body["activity"] if entry["action"] == "admin.user_locked"]
    assert (own["byYou"], own["ip"]) == (True, "198.51.100.7")


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
