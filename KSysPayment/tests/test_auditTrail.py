from __future__ import annotations

from sqlalchemy import text

from KSysPayment.tests.support.paymentQueries import auditActions
from KSysPayment.tests.support.paymentStack import PREFIX, Payer, PaymentStack
from shared.backend.database.engine import Database


async def auditRows(database: Database, paymentId: str) -> list[dict[str, object]]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT action, actor_type, actor_id, request_id, outcome FROM audit_logs "
                 "WHERE target_type = 'payment' AND target_id = :id ORDER BY created_at, id"), {"id": paymentId})
        return [dict(row) for row in rows.mappings()]


async def test_cancelIsAuditedWithUserAndRequestId(paymentStack: PaymentStack, payer: Payer,
                                                   database: Database) -> None:
    paymentId = (await paymentStack.create(payer)).json()["id"]
    response = await paymentStack.http.post(f"{paymentStack.appUrl}{PREFIX}/payments/{paymentId}/cancel",
                                            headers={**payer.headers, "X-Request-ID": "audit-cancel-0001"})
    assert response.status_code == 200
    rows = await auditRows(database, paymentId)
    assert [row["action"] for row in rows] == ["payment.created", "payment.provisioned", "payment.cancelled"]
    cancelled = rows[-1]
    assert cancelled["actor_type"] == "user"
    assert str(cancelled["actor_id"]) == str(payer.id)
    assert cancelled["request_id"] == "audit-cancel-0001"


async def test_failureIsAudited(paymentStack: PaymentStack, payer: Payer, database: Database) -> None:
    fault = {"path": "/snap/v1.0/transfer-va/create-va", "count": 1, "status": 500}
    (await paymentStack.http.post(f"{paymentStack.simulatorUrl}/simulator/faults", json=fault)).raise_for_status()
    response = await paymentStack.create(payer)
    paymentId = next(d["paymentId"] for d in response.json()["error"]["details"] if "paymentId" in d)
    assert await auditActions(database, paymentId) == ["payment.created", "payment.failed"]
    rows = await auditRows(database, paymentId)
    assert rows[-1]["outcome"] == "failure"
    assert rows[-1]["actor_type"] == "system"
