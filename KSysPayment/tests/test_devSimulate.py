from __future__ import annotations

import dataclasses

import pytest

from KSysPayment.backend.infrastructure.http.paymentService import createPaymentService
from KSysPayment.tests.support.paymentQueries import storedPayment
from KSysPayment.tests.support.paymentStack import PREFIX, Payer, PaymentStack
from shared.backend.appFactory import createApp
from shared.backend.config.settings import AppSettings
from shared.backend.database.engine import Database
from shared.backend.startupFailure import StartupError
from tests.support.inProcess import runningApp

SIMULATE = f"{PREFIX}/dev/simulate-payment"


async def test_simulatePaysBrivaAndQris(paymentStack: PaymentStack, payer: Payer) -> None:
    for method in ("briva", "qris"):
        created = (await paymentStack.create(payer, method=method)).json()
        response = await paymentStack.http.post(f"{paymentStack.appUrl}{SIMULATE}",
                                                json={"paymentId": created["id"]}, headers=payer.headers)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "paid"
        assert response.json()["id"] == created["id"]


async def test_simulateWrongAmountFlags(paymentStack: PaymentStack, payer: Payer, database: Database) -> None:
    created = (await paymentStack.create(payer, amount=15000)).json()
    response = await paymentStack.http.post(f"{paymentStack.appUrl}{SIMULATE}",
                                            json={"paymentId": created["id"], "amount": 1000}, headers=payer.headers)
    assert response.json()["status"] == "pending"
    assert str((await storedPayment(database, created["id"]))["flagged_reason"]).startswith("amount_mismatch")


async def test_simulateOthersPaymentIs404(paymentStack: PaymentStack, payer: Payer, otherPayer: Payer) -> None:
    created = (await paymentStack.create(payer)).json()
    response = await paymentStack.http.post(f"{paymentStack.appUrl}{SIMULATE}",
                                            json={"paymentId": created["id"]}, headers=otherPayer.headers)
    assert response.status_code == 404
    paid = await paymentStack.http.post(f"{paymentStack.appUrl}{SIMULATE}",
                                        json={"paymentId": "nope"}, headers=payer.headers)
    assert paid.status_code == 422


# Only a pending payment can be paid: a cancelled one is 409 before the simulator is asked, as the document says; the
# document lists no other 409 (payment_already_paid is a cancel's answer, never this route's).
async def test_simulateCancelledPaymentIs409(paymentStack: PaymentStack, payer: Payer) -> None:
    paymentId = (await paymentStack.create(payer)).json()["id"]
    cancelled = await paymentStack.http.post(f"{paymentStack.appUrl}{PREFIX}/payments/{paymentId}/cancel",
                                             headers=payer.headers)
    assert cancelled.json()["status"] == "cancelled"
    response = await paymentStack.http.post(f"{paymentStack.appUrl}{SIMULATE}", json={"paymentId": paymentId},
                                            headers=payer.headers)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_payment_state"
    assert (await paymentStack.get(payer, paymentId)).json()["status"] == "cancelled"
    document = (await paymentStack.http.get(f"{paymentStack.appUrl}{PREFIX}/openapi.json")).json()
    assert document["paths"][SIMULATE]["post"]["responses"]["409"]["x-error-codes"] == ["invalid_payment_state"]


async def test_simulateNotMountedInProduction(paymentStack: PaymentStack) -> None:
    production = AppSettings(APP_ENV="production")  # type: ignore[arg-type]
    settings = dataclasses.replace(paymentStack.settings, app=production)
    app = createApp(settings, createPaymentService(settings))
    async with runningApp(app) as client:
        response = await client.post(SIMULATE, json={"paymentId": "01a207db-cfea-7139-9e0d-4164dc16234d"})
    assert response.status_code == 404


async def test_missingKeysFailStartup(paymentStack: PaymentStack) -> None:
    bri = paymentStack.settings.bri.model_copy(update={"privateKeyPath": None})
    settings = dataclasses.replace(paymentStack.settings, bri=bri)
    with pytest.raises(StartupError, match="BRI is not configured: BRI_PRIVATE_KEY_PATH: "):
        async with runningApp(createApp(settings, createPaymentService(settings))):
            pass
