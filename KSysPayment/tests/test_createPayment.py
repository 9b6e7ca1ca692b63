from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from KSysPayment.tests.support.paymentQueries import storedPayment
from KSysPayment.tests.support.paymentStack import Payer, PaymentStack
from shared.backend.database.engine import Database


async def test_createBrivaPayment(paymentStack: PaymentStack, payer: Payer) -> None:
    response = await paymentStack.create(payer, amount=15000, method="briva")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "pending"
    assert body["amount"] == 15000
    assert body["currency"] == "IDR"
    assert body["virtualAccountNo"].startswith("77777")
    assert body["qrContent"] is None
    assert body["expiresAt"] and body["createdAt"] and body["paidAt"] is None
    state = await paymentStack.simulatorState()
    vas = state["virtualAccounts"]
    assert isinstance(vas, list)
    assert [va["virtualAccountNo"].replace(" ", "") for va in vas] == [body["virtualAccountNo"]]


async def test_createQrisPayment(paymentStack: PaymentStack, payer: Payer) -> None:
    response = await paymentStack.create(payer, amount=20000, method="qris")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["qrContent"].startswith("000201")
    assert body["virtualAccountNo"] is None


async def test_sameKeySameBodyReturnsSamePayment(paymentStack: PaymentStack, payer: Payer) -> None:
    first = await paymentStack.create(payer, key="order-1")
    second = await paymentStack.create(payer, key="order-1")
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json()["id"] == first.json()["id"]
    assert len((await paymentStack.simulatorState())["virtualAccounts"]) == 1  # type: ignore[arg-type]


async def test_sameKeyDifferentBodyIsConflict(paymentStack: PaymentStack, payer: Payer) -> None:
    assert (await paymentStack.create(payer, amount=15000, key="order-2")).status_code == 201
    response = await paymentStack.create(payer, amount=16000, key="order-2")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"


async def test_keysAreScopedPerUser(paymentStack: PaymentStack, payer: Payer, otherPayer: Payer) -> None:
    first = await paymentStack.create(payer, key="shared-key")
    second = await paymentStack.create(otherPayer, key="shared-key")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]


async def test_concurrentCreatesWithOneKeyMakeOnePayment(paymentStack: PaymentStack, payer: Payer) -> None:
    responses = await asyncio.gather(*(paymentStack.create(payer, key="race-key") for _ in range(8)))
    assert sorted(r.status_code for r in responses) == [200] * 7 + [201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert len((await paymentStack.simulatorState())["virtualAccounts"]) == 1  # type: ignore[arg-type]


async def test_invalidRequests(paymentStack: PaymentStack, payer: Payer) -> None:
    url = f"{paymentStack.appUrl}/api/payment/payments"
    body = {"amount": 15000, "method": "briva", "description": "x"}
    missing = await paymentStack.http.post(url, json=body, headers=payer.headers)
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "invalid_idempotency_key"
    bad = await paymentStack.http.post(url, json=body, headers={**payer.headers, "Idempotency-Key": "a b"})
    assert bad.status_code == 400
    small = await paymentStack.create(payer, amount=9999)
    assert small.status_code == 422
    assert small.json()["error"]["code"] == "amount_out_of_bounds"
    assert small.json()["error"]["details"] == [
        {"field": "amount", "min": 10000, "max": 50000000, "message": "Enter between 10000 and 50000000"}]
    large = await paymentStack.create(payer, amount=50000001)
    assert large.json()["error"]["code"] == "amount_out_of_bounds"
    method = await paymentStack.create(payer, method="cash")
    assert method.status_code == 422
    text = await paymentStack.http.post(url, json={**body, "amount": "15000"},
                                        headers={**payer.headers, "Idempotency-Key": "k1"})
    assert text.status_code == 422
    anonymous = await paymentStack.http.post(url, json=body, headers={"Idempotency-Key": "k2"})
    assert anonymous.status_code == 401


# A description that would render as another text (a right-to-left override), shows nothing (a zero width space) or
# holds NUL is the field's 422 before anything is stored or sent to BRI.
async def test_aDescriptionThatWouldNotRenderAsSentIsRefused(paymentStack: PaymentStack, payer: Payer) -> None:
    vasBefore = len((await paymentStack.simulatorState())["virtualAccounts"])  # type: ignore[arg-type]
    for description in ("Order \u202e1144", "\u200b", "a\x00b"):
        answer = await paymentStack.create(payer, description=description)
        assert (answer.status_code, answer.json()["error"]["code"]) == (422, "validation_failed"), answer.text
        assert [detail["field"] for detail in answer.json()["error"]["details"]] == ["description"]
    listed = await paymentStack.http.get(f"{paymentStack.appUrl}/api/payment/payments", headers=payer.headers)
    assert listed.json()["items"] == []
    assert len((await paymentStack.simulatorState())["virtualAccounts"]) == vasBefore  # type: ignore[arg-type]
    assert (await paymentStack.create(payer, description="Order 1144\nDelivered to the back door")).status_code == 201


async def test_gatewayFailureLeavesPaymentFailed(paymentStack: PaymentStack, payer: Payer) -> None:
    # BRI refuses the create (4002700; a 409 fault would be 4092700, a reused X-EXTERNAL-ID the client sends again).
    fault = {"path": "/snap/v1.0/transfer-va/create-va", "count": 1, "status": 400}
    (await paymentStack.http.post(f"{paymentStack.simulatorUrl}/simulator/faults", json=fault)).raise_for_status()
    response = await paymentStack.create(payer, key="will-fail")
    assert response.status_code == 502, response.text
    error = response.json()["error"]
    paymentId = next(d["paymentId"] for d in error["details"] if "paymentId" in d)
    stored = (await paymentStack.get(payer, paymentId)).json()
    assert stored["status"] == "failed"
    assert stored["failureReason"].startswith("gateway_")
    # The same key replays the failed payment instead of creating another one.
    replay = await paymentStack.create(payer, key="will-fail")
    assert replay.status_code == 200
    assert replay.json()["id"] == paymentId


async def test_gatewayUnavailableIs503(paymentStack: PaymentStack, payer: Payer) -> None:
    fault = {"path": "/snap/v1.0/transfer-va/create-va", "count": 1, "status": 503}
    (await paymentStack.http.post(f"{paymentStack.simulatorUrl}/simulator/faults", json=fault)).raise_for_status()
    response = await paymentStack.create(payer)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "gateway_unavailable"


async def test_createTimeoutRemovesAVaBriMakesLate(paymentStack: PaymentStack, payer: Payer) -> None:
    # BRI answers create-va after our 5 s timeout: the VA appears at BRI after the first delete was sent.
    fault = {"path": "/snap/v1.0/transfer-va/create-va", "count": 1, "status": None, "delaySeconds": 6}
    (await paymentStack.http.post(f"{paymentStack.simulatorUrl}/simulator/faults", json=fault)).raise_for_status()
    response = await paymentStack.create(payer)
    assert response.status_code == 504
    assert response.json()["error"]["code"] == "gateway_timeout"
    # Answered before the cleanup ends: its deletes keep trying in the background.
    cleanups = paymentStack.app.state.paymentCleanups
    assert len(cleanups.running) == 1
    paymentId = next(d["paymentId"] for d in response.json()["error"]["details"] if "paymentId" in d)
    failed = (await paymentStack.get(payer, paymentId)).json()
    assert (failed["status"], failed["virtualAccountNo"]) == ("failed", None)
    await cleanups.drain(10)
    assert not cleanups.running
    assert (await paymentStack.simulatorState())["virtualAccounts"] == []


async def test_paymentExpiresAfterTheConfiguredMinutes(
    paymentStack: PaymentStack, payer: Payer, database: Database
) -> None:
    lifetime = timedelta(minutes=paymentStack.settings.payment.expiryMinutes)
    body = (await paymentStack.create(payer)).json()
    stored = await storedPayment(database, body["id"])
    assert stored["expires_at"] - stored["created_at"] == lifetime  # type: ignore[operator]
    answered = datetime.fromisoformat(body["expiresAt"]) - datetime.fromisoformat(body["createdAt"])
    assert abs(answered - lifetime) < timedelta(seconds=1)
