from __future__ import annotations

import asyncio

from sqlalchemy import text

from KSysPayment.tests.support.paymentStack import PREFIX, Payer, PaymentStack
from shared.backend.database.engine import Database


async def cancel(stack: PaymentStack, payer: Payer, paymentId: str) -> tuple[int, dict[str, object]]:
    response = await stack.http.post(f"{stack.appUrl}{PREFIX}/payments/{paymentId}/cancel", headers=payer.headers)
    return response.status_code, response.json()


async def test_cancelPendingDeletesVa(paymentStack: PaymentStack, payer: Payer) -> None:
    paymentId = (await paymentStack.create(payer)).json()["id"]
    status, body = await cancel(paymentStack, payer, paymentId)
    assert status == 200
    assert body["status"] == "cancelled"
    assert (await paymentStack.simulatorState())["virtualAccounts"] == []
    again, error = await cancel(paymentStack, payer, paymentId)
    assert again == 409
    assert error["error"]["code"] == "invalid_payment_state"  # type: ignore[index]


async def test_cancelQris(paymentStack: PaymentStack, payer: Payer) -> None:
    paymentId = (await paymentStack.create(payer, method="qris")).json()["id"]
    status, body = await cancel(paymentStack, payer, paymentId)
    assert (status, body["status"]) == (200, "cancelled")


async def test_cancelRacingPaymentEndsInOneFinalState(
    paymentStack: PaymentStack, payer: Payer, database: Database
) -> None:
    for _ in range(6):
        created = (await paymentStack.create(payer)).json()
        pay = paymentStack.pay(virtualAccountNo=created["virtualAccountNo"])
        results = await asyncio.gather(cancel(paymentStack, payer, created["id"]), pay, return_exceptions=True)
        cancelStatus = results[0][0] if isinstance(results[0], tuple) else None
        final = (await paymentStack.get(payer, created["id"])).json()
        async with database.engine.connect() as connection:
            outcomes = (await connection.execute(
                text("SELECT outcome FROM payment_events WHERE payment_id = :id"), {"id": created["id"]}
            )).scalars().all()
        if final["status"] == "paid":
            assert cancelStatus == 409
            assert outcomes == ["settled"]
        else:
            assert final["status"] == "cancelled"
            assert cancelStatus == 200
            # A payment that slipped in after the cancel is recorded and flagged, never credited.
            assert "settled" not in outcomes
            assert final["paidAt"] is None
