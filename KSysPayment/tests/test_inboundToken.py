from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2
import pytest
from pydantic import SecretStr
from redis.asyncio import Redis

from KSysPayment.backend.infrastructure.bri.inboundTokens import inboundTokenKeys, newInboundToken
from KSysPayment.backend.infrastructure.http.paymentService import createPaymentService
from KSysPayment.tests.support.briSender import VA_NOTIFY, BriSender, vaBody
from KSysPayment.tests.support.paymentQueries import auditRowsOf, eventOutcomes, storedPayment
from KSysPayment.tests.support.paymentStack import PREFIX, Payer, PaymentStack
from shared.backend.appFactory import createApp
from shared.backend.database.engine import Database
from tests.support.inProcess import runningApp
from tests.support.processes import RedisProcess

# The tokens we issue to BRI verify themselves (KSysPayment/.../bri/inboundTokens.py): nothing about them is in Redis,
# so a Redis restart or outage neither refuses BRI's notifications nor stops them settling (PostgreSQL is enough).
SETTLED = (200, "2003400")
UNKNOWN_TOKEN = (401, {"responseCode": "4013401", "responseMessage": "Invalid Token (B2B)"})


async def test_aTokenIsIssuedAndNothingAboutItIsStored(briSender: BriSender, redisClient: Redis) -> None:
    response = await briSender.token()
    assert response.status_code == 200
    body = response.json()
    assert (body["tokenType"], body["expiresIn"]) == ("BearerToken", "899")
    token = body["accessToken"]
    hashed = hashlib.sha256(token.encode()).hexdigest()
    assert await redisClient.exists(f"ksyspayment:inbound_token:{hashed}", f"ksyspayment:inbound_token:{token}") == 0


async def test_tokenRequestNeedsHeaders(paymentStack: PaymentStack) -> None:
    response = await paymentStack.http.post(f"{paymentStack.appUrl}/api/payment/snap/v1.0/access-token/b2b",
                                            json={"grantType": "client_credentials"})
    assert response.status_code == 400
    assert response.json()["responseCode"] == "4007302"


@dataclass
class OtherInstance:
    bri: BriSender
    redis: RedisProcess


# A second public server sharing the database and JWT_SECRET with paymentStack's, on a Redis of its own that holds
# nothing (as after a restart of a Redis that keeps nothing on disk); the test may stop that Redis.
@pytest.fixture
async def otherInstance(paymentStack: PaymentStack, paymentKeyDir: Path,
                        tmp_path: Path) -> AsyncIterator[OtherInstance]:
    redisProcess = RedisProcess(tmp_path)
    redisProcess.start()
    try:
        redis = paymentStack.settings.redis.model_copy(update={"url": SecretStr(redisProcess.url)})
        settings = dataclasses.replace(paymentStack.settings, redis=redis)
        async with runningApp(createApp(settings, createPaymentService(settings))) as client:
            yield OtherInstance(BriSender(client, "", paymentKeyDir), redisProcess)
    finally:
        redisProcess.stop()


async def notifyPaid(paymentStack: PaymentStack, payer: Payer, database: Database, bri: BriSender, token: str,
                     paymentRequestId: str) -> tuple[str, httpx2.Response]:
    created = (await paymentStack.create(payer)).json()
    virtualAccountNo = str((await storedPayment(database, created["id"]))["virtual_account_no"])
    reply = await bri.notify(VA_NOTIFY, vaBody(virtualAccountNo, 15000, paymentRequestId), token=token)
    return created["id"], reply


async def assertSettled(database: Database, paymentId: str, reply: httpx2.Response) -> None:
    assert (reply.status_code, reply.json()["responseCode"]) == SETTLED, reply.text
    assert (await storedPayment(database, paymentId))["status"] == "paid"
    assert await eventOutcomes(database, paymentId) == ["settled"]


# Issued by one instance, accepted by another whose Redis never saw it: two workers, or one server across a Redis
# restart.
async def test_aTokenFromOneInstanceSettlesANotificationOnAnotherWithAnEmptyRedis(
    paymentStack: PaymentStack, payer: Payer, database: Database, briSender: BriSender, otherInstance: OtherInstance
) -> None:
    token = await briSender.accessToken()
    paymentId, reply = await notifyPaid(paymentStack, payer, database, otherInstance.bri, token, "7000000000000501")
    await assertSettled(database, paymentId, reply)


# Redis stops after the token was issued: the notification is still checked and settled on PostgreSQL alone.
async def test_aNotificationSettlesWhileRedisIsUnreachable(
    paymentStack: PaymentStack, payer: Payer, database: Database, otherInstance: OtherInstance
) -> None:
    token = await otherInstance.bri.accessToken()
    otherInstance.redis.stop()
    paymentId, reply = await notifyPaid(paymentStack, payer, database, otherInstance.bri, token, "7000000000000502")
    await assertSettled(database, paymentId, reply)


def expired(paymentStack: PaymentStack) -> str:
    key = inboundTokenKeys(paymentStack.settings.jwt.secret.get_secret_value())[0]
    return newInboundToken(key, datetime.now(UTC) - timedelta(seconds=1))


def tamperedTag(token: str) -> str:
    return token[:-2] + ("AA" if not token.endswith("AA") else "BB")


# Through the server: whatever is wrong with the token, BRI reads today's answer to an unknown token, and the refusal
# is audited under the same code.
@pytest.mark.parametrize("variant", ["garbage", "truncated", "tampered tag", "another secret", "expired"])
async def test_aTokenWeDoNotAcceptIsAnsweredAsAnUnknownToken(
    paymentStack: PaymentStack, payer: Payer, database: Database, briSender: BriSender, variant: str
) -> None:
    issued = await briSender.accessToken()
    token = {
        "garbage": "a-token-we-never-issued",
        "truncated": issued[: issued.rindex(".")],
        "tampered tag": tamperedTag(issued),
        "another secret": newInboundToken(inboundTokenKeys("another-jwt-secret-0123456789abcdef")[0],
                                          datetime.now(UTC) + timedelta(minutes=5)),
        "expired": expired(paymentStack),
    }[variant]
    paymentId, reply = await notifyPaid(paymentStack, payer, database, briSender, token, "7000000000000503")
    assert (reply.status_code, reply.json()) == UNKNOWN_TOKEN
    assert (await storedPayment(database, paymentId))["status"] == "pending"
    [row] = await auditRowsOf(database, reply.headers["x-request-id"])
    assert (row["action"], row["details"]) == ("payment.bri_inbound_rejected", {
        "path": PREFIX + VA_NOTIFY, "code": "inbound_token_invalid", "responseCode": "4013401"})
