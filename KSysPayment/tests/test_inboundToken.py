from __future__ import annotations

import hashlib

from redis.asyncio import Redis

from KSysPayment.backend.infrastructure.redis.inboundTokenStore import tokenKey
from KSysPayment.tests.support.briSender import BriSender
from KSysPayment.tests.support.paymentStack import PaymentStack


async def test_tokenIsStoredHashedWithTtl(paymentStack: PaymentStack, briSender: BriSender, redisClient: Redis) -> None:
    response = await briSender.token()
    assert response.status_code == 200
    body = response.json()
    assert body["tokenType"] == "BearerToken"
    assert body["expiresIn"] == "899"
    token = body["accessToken"]
    key = tokenKey(hashlib.sha256(token.encode()).hexdigest())
    assert 0 < await redisClient.ttl(key) <= 899
    assert await redisClient.exists(f"ksyspayment:inbound_token:{token}") == 0


async def test_tokenRequestNeedsHeaders(paymentStack: PaymentStack) -> None:
    response = await paymentStack.http.post(f"{paymentStack.appUrl}/api/payment/snap/v1.0/access-token/b2b",
                                            json={"grantType": "client_credentials"})
    assert response.status_code == 400
    assert response.json()["responseCode"] == "4007302"
