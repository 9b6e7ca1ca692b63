from __future__ import annotations

import dataclasses

import httpx2
from redis.asyncio import Redis

from KSysPayment.backend.infrastructure.http.paymentService import createPaymentService
from KSysPayment.tests.support.paymentStack import PREFIX, Payer, PaymentStack, createUser
from shared.backend.appFactory import createApp
from shared.backend.config.settings import Settings
from shared.backend.database.engine import Database
from tests.support.inProcess import runningApp

LIMITS = f"{PREFIX}/limits"


async def test_limitsAreTheBoundsCreateEnforces(paymentStack: PaymentStack, payer: Payer) -> None:
    response = await paymentStack.http.get(f"{paymentStack.appUrl}{LIMITS}", headers=payer.headers)
    assert response.status_code == 200, response.text
    limits = response.json()
    assert limits == {"minAmount": 10000, "maxAmount": 50000000, "currency": "IDR"}
    assert (await paymentStack.create(payer, amount=limits["minAmount"])).status_code == 201
    refused = await paymentStack.create(payer, amount=limits["maxAmount"] + 1)
    assert refused.status_code == 422
    detail = refused.json()["error"]["details"][0]
    assert (detail["min"], detail["max"]) == (limits["minAmount"], limits["maxAmount"])


# Zero and negative amounts are outside the bounds like any other (PAYMENT_MIN_AMOUNT is at least 1): the same
# error, naming the bounds, and nothing stored.
async def test_aZeroOrNegativeAmountIsOutOfBounds(paymentStack: PaymentStack, payer: Payer) -> None:
    limits = paymentStack.settings.payment
    for amount in (0, -1, -15000):
        refused = await paymentStack.create(payer, amount=amount)
        assert refused.status_code == 422, refused.text
        error = refused.json()["error"]
        assert error["code"] == "amount_out_of_bounds"
        detail = error["details"][0]
        assert (detail["field"], detail["min"], detail["max"]) == ("amount", limits.minAmount, limits.maxAmount)
    listed = await paymentStack.http.get(f"{paymentStack.appUrl}{PREFIX}/payments", headers=payer.headers)
    assert listed.json()["items"] == []


async def test_limitsFollowSettings(paymentStack: PaymentStack, payer: Payer) -> None:
    payment = paymentStack.settings.payment.model_copy(update={"minAmount": 25000, "maxAmount": 7500000})
    settings = dataclasses.replace(paymentStack.settings, payment=payment)
    async with runningApp(createApp(settings, createPaymentService(settings))) as client:
        response = await client.get(LIMITS, headers=payer.headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"minAmount": 25000, "maxAmount": 7500000, "currency": "IDR"}


# An operator narrows the bounds; a client retries a create that succeeded before (same key and body): it
# gets the stored payment (200, replayed), not a 422 that would make it try again with a new key.
async def test_aReplayOfACreateMadeUnderEarlierBoundsAnswersThePayment(
    paymentStack: PaymentStack, payer: Payer
) -> None:
    created = await paymentStack.create(payer, amount=15000, key="bounds-replay-" + payer.id.hex[:8])
    assert created.status_code == 201
    payment = paymentStack.settings.payment.model_copy(update={"minAmount": 20000})
    settings = dataclasses.replace(paymentStack.settings, payment=payment)
    body = {"amount": 15000, "method": "briva", "description": "Order"}
    async with runningApp(createApp(settings, createPaymentService(settings))) as client:
        replay = await client.post(f"{PREFIX}/payments", json=body, headers={
            **payer.headers, "Idempotency-Key": "bounds-replay-" + payer.id.hex[:8]})
        assert replay.status_code == 200, replay.text
        assert replay.json()["id"] == created.json()["id"]
        fresh = await client.post(f"{PREFIX}/payments", json=body,
                                  headers={**payer.headers, "Idempotency-Key": "bounds-new-" + payer.id.hex[:8]})
        assert fresh.status_code == 422 and fresh.json()["error"]["code"] == "amount_out_of_bounds"


async def test_limitsNeedASignedInUser(paymentStack: PaymentStack) -> None:
    anonymous = await paymentStack.http.get(f"{paymentStack.appUrl}{LIMITS}")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "unauthenticated"
    forged = await paymentStack.http.get(f"{paymentStack.appUrl}{LIMITS}", headers={"Authorization": "Bearer x.y.z"})
    assert forged.status_code == 401
    assert forged.json()["error"]["requestId"]


async def test_limitsThroughGatewayInPaymentGroup(
    gatewayUrl: str, settings: Settings, database: Database, redisClient: Redis
) -> None:
    payer = await createUser(database, redisClient, settings)
    async with httpx2.AsyncClient(base_url=gatewayUrl, timeout=30) as client:
        response = await client.get(LIMITS, headers=payer.headers)
        anonymous = await client.get(LIMITS)
    assert response.status_code == 200, response.text
    assert response.json() == {"minAmount": settings.payment.minAmount, "maxAmount": settings.payment.maxAmount,
                               "currency": "IDR"}
    assert response.headers.get("X-Request-ID")
    # Rate limited with the other payment reads (nginx/lua/kservices/rateLimiter.lua routeGroup).
    assert response.headers["RateLimit-Policy"].startswith('"payment";')
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "unauthenticated"
