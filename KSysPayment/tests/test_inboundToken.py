from __future__ import annotations

import hashlib

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from KSysPayment.backend.infrastructure.redis.inboundTokenStore import tokenKey
from KSysPayment.tests.support.briSender import QRIS_NOTIFY, VA_NOTIFY, BriSender
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


@pytest.mark.parametrize(("path", "code"), [("token", "5007300"), (VA_NOTIFY, "5003400"), (QRIS_NOTIFY, "5005200")])
async def test_tokenStoreOutageIsAnsweredInSnapFormat(
    paymentStack: PaymentStack, briSender: BriSender, monkeypatch: pytest.MonkeyPatch, path: str, code: str
) -> None:
    token = await briSender.accessToken()
    store = paymentStack.app.state.inboundAuthenticator.tokenStore

    async def unreachable(*args: object) -> bool:
        raise RedisConnectionError("Redis is down")

    monkeypatch.setattr(store, "save", unreachable)
    monkeypatch.setattr(store, "exists", unreachable)
    if path == "token":
        response = await briSender.token()
    else:
        response = await briSender.notify(path, {"originalReferenceNo": "1"}, token=token)
    assert response.status_code == 500
    assert response.json() == {"responseCode": code, "responseMessage": "General Error"}
