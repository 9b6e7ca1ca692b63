from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text

from KSysPayment.backend.application import createPayment
from KSysPayment.tests.support.paymentStack import Payer, PaymentStack
from shared.backend.database.engine import Database
from shared.backend.utils.uuid import generateId

PREFIX = "/api/payment"


async def customerNoOf(database: Database, paymentId: str) -> str:
    async with database.engine.connect() as connection:
        return str((await connection.execute(
            text("SELECT customer_no FROM payments WHERE id = :id"), {"id": paymentId})).scalar_one())


def drawing(*numbers: str) -> Callable[[], str]:
    # Stands in for createPayment.newCustomerNo: hands out the given numbers, then fresh random ones.
    queue = list(numbers)
    fresh = createPayment.newCustomerNo
    return lambda: queue.pop(0) if queue else fresh()


async def test_aTakenNumberIsDrawnAgain(paymentStack: PaymentStack, payer: Payer, database: Database,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    first = (await paymentStack.create(payer)).json()
    taken = await customerNoOf(database, first["id"])
    monkeypatch.setattr(createPayment, "newCustomerNo", drawing(taken))
    response = await paymentStack.create(payer)
    assert response.status_code == 201, response.text
    second = response.json()
    assert not second["virtualAccountNo"].endswith(taken)
    assert await customerNoOf(database, second["id"]) != taken


async def test_givesUpAfterThreeTakenNumbersAndStoresNothing(
    paymentStack: PaymentStack, payer: Payer, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = (await paymentStack.create(payer)).json()
    taken = await customerNoOf(database, first["id"])
    monkeypatch.setattr(createPayment, "newCustomerNo", drawing(taken, taken, taken))
    key = generateId().hex
    response = await paymentStack.create(payer, key=key)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "virtual_account_number_taken"
    async with database.engine.connect() as connection:
        stored = (await connection.execute(
            text("SELECT count(*) FROM payments WHERE idempotency_key = :key"), {"key": key})).scalar_one()
    assert stored == 0
    assert len((await paymentStack.simulatorState())["virtualAccounts"]) == 1  # type: ignore[arg-type]


async def test_aNumberIsFreeAgainOnceItsPaymentIsNotPending(
    paymentStack: PaymentStack, payer: Payer, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = (await paymentStack.create(payer)).json()
    taken = await customerNoOf(database, first["id"])
    cancelled = await paymentStack.http.post(f"{paymentStack.appUrl}{PREFIX}/payments/{first['id']}/cancel",
                                             headers=payer.headers)
    assert cancelled.status_code == 200, cancelled.text
    monkeypatch.setattr(createPayment, "newCustomerNo", drawing(taken))
    response = await paymentStack.create(payer)
    assert response.status_code == 201, response.text
    assert await customerNoOf(database, response.json()["id"]) == taken
