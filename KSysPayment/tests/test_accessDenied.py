from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx2
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from KSysPayment.tests.support.paymentQueries import auditActions, storedPayment
from KSysPayment.tests.support.paymentStack import PREFIX, Payer, PaymentStack
from shared.backend.database.engine import Database
from shared.backend.utils.uuid import generateId

REQUEST_ID = "payment-probe-0001"


async def deniedRows(database: Database, paymentId: str) -> list[dict[str, object]]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(text(
            "SELECT actor_type, actor_id::text AS actor_id, target_type, outcome, request_id, details::text AS details "
            "FROM audit_logs WHERE action = 'payment.access_denied' AND target_id = :id ORDER BY created_at, id"
        ), {"id": paymentId})
        return [dict(row) for row in rows.mappings()]


ATTEMPTS = (("read", "GET", "/payments/{id}"), ("cancel", "POST", "/payments/{id}/cancel"),
            ("simulate", "POST", "/dev/simulate-payment"))


# One attempt with a fixed request id, so that answers about two ids can be compared byte for byte.
async def probe(stack: PaymentStack, caller: Payer, attempt: tuple[str, str, str], paymentId: str) -> httpx2.Response:
    attempted, method, path = attempt
    body = {"paymentId": paymentId} if attempted == "simulate" else None
    return await stack.http.request(method, f"{stack.appUrl}{PREFIX}{path.format(id=paymentId)}", json=body,
                                    headers={**caller.headers, "X-Request-ID": REQUEST_ID})


# An IDOR probe answers exactly like a missing payment, changes nothing, and leaves one denied row per attempt.
async def test_anotherUsersPaymentIsDeniedAndAudited(
    paymentStack: PaymentStack, payer: Payer, otherPayer: Payer, database: Database
) -> None:
    paymentId = (await paymentStack.create(payer)).json()["id"]
    missingId = str(generateId())
    for attempt in ATTEMPTS:
        foreign = await probe(paymentStack, otherPayer, attempt, paymentId)
        missing = await probe(paymentStack, otherPayer, attempt, missingId)
        assert (foreign.status_code, foreign.content) == (404, missing.content), attempt
        assert foreign.json()["error"]["code"] == "payment_not_found"
        assert {**foreign.headers, "date": ""} == {**missing.headers, "date": ""}
    assert (await storedPayment(database, paymentId))["status"] == "pending"
    rows = await deniedRows(database, paymentId)
    assert [row["details"] for row in rows] == [f'{{"action": "{attempted}"}}' for attempted, _, _ in ATTEMPTS]
    assert {(row["actor_type"], row["actor_id"], row["target_type"], row["outcome"], row["request_id"])
            for row in rows} == {("user", str(otherPayer.id), "payment", "denied", REQUEST_ID)}
    assert await deniedRows(database, missingId) == []
    assert await auditActions(database, paymentId) == ["payment.created", "payment.provisioned",
                                                       *["payment.access_denied"] * len(ATTEMPTS)]


# Counts only statements about this payment: the reconciler's background work on other payments is left out.
@contextmanager
def paymentLookups(paymentId: str) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: object) -> None:
        statement = str(args[2])
        if ("WHERE payments.id =" in statement or "audit_logs" in statement) and paymentId in str(args[3]):
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


# The existence check runs only when the owned lookup missed: the owner's read stays one statement.
async def test_ownedReadIsOneStatement(paymentStack: PaymentStack, payer: Payer, otherPayer: Payer) -> None:
    paymentId = (await paymentStack.create(payer)).json()["id"]
    with paymentLookups(paymentId) as owned:
        assert (await paymentStack.get(payer, paymentId)).status_code == 200
    assert len(owned) == 1
    with paymentLookups(paymentId) as foreign:
        assert (await paymentStack.get(otherPayer, paymentId)).status_code == 404
    assert len(foreign) == 3 and "INSERT INTO audit_logs" in foreign[-1]
