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


async def test_limitsFollowSettings(paymentStack: PaymentStack, payer: Payer) -> None:
    payment = paymentStack.settings.payment.model_copy(update={"minAmount": 25000, "maxAmount": 7500000})
    settings = dataclasses.replace(paymentStack.settings, payment=payment)
    async with runningApp(createApp(settings, createPaymentService(settings))) as client:
        response = await client.get(LIMITS, headers=payer.headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"minAmount": 25000, "maxAmount": 7500000, "currency": "IDR"}


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
