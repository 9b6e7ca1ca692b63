from __future__ import annotations

import pytest

from KSysPayment.backend.domain.exceptions.gatewayErrors import GatewayDuplicateExternalIdError
from KSysPayment.backend.infrastructure.bri.snapTransport import newExternalId
from KSysPayment.tests.support.gatewayDouble import DeleteRaises, StatusUnavailableAfter
from KSysPayment.tests.support.paymentQueries import auditActions, storedPayment
from KSysPayment.tests.support.paymentStack import PREFIX, Payer, PaymentStack
from KSysPayment.tests.support.reconcileSupport import expireIn, reconciler
from shared.backend.database.engine import Database

# BRI answers a reused X-EXTERNAL-ID 409xx00 (BRI.md) and did not process the call. It was a GatewayConflictError, and
# every VA delete cleanup reads a conflict as "BRI refused to delete a paid VA".
REUSED = "20260101000000000042"
VA = "/snap/v1.0/transfer-va"


async def reuseExternalIds(monkeypatch: pytest.MonkeyPatch, stack: PaymentStack, payer: Payer,
                           ids: list[str] | None = None) -> int:
    # A create first, so that the client holds a token the reset simulator knows (a 401 is sent again, and a reused
    # id it carried would be seen only once); then the app's client sends these X-EXTERNAL-IDs and new ones after
    # them, or with no list always the same one. Returns the create-va calls so far.
    assert (await stack.create(payer)).status_code == 201
    queue = list(ids or [])
    factory = (lambda: queue.pop(0) if queue else newExternalId()) if ids else (lambda: REUSED)
    monkeypatch.setattr(stack.app.state.paymentGateway.transport, "externalIdFactory", factory)
    return await callsTo(stack, "create-va")


async def callsTo(stack: PaymentStack, path: str) -> int:
    calls = (await stack.simulatorState())["calls"]
    assert isinstance(calls, dict)
    return int(calls.get(f"{VA}/{path}", 0))


# The simulator answers the second create's reused id 409xx00: the create is sent again with a new id and succeeds
# (a create is otherwise never retried). It failed, as a conflict.
async def test_aCreateBriAnswers409xx00IsSentAgainWithANewExternalId(
    paymentStack: PaymentStack, payer: Payer, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = await reuseExternalIds(monkeypatch, paymentStack, payer, [REUSED, REUSED])
    first = await paymentStack.create(payer)
    second = await paymentStack.create(payer)
    assert (first.status_code, second.status_code) == (201, 201), second.text
    assert await callsTo(paymentStack, "create-va") == before + 3
    assert len((await paymentStack.simulatorState())["virtualAccounts"]) == 3  # type: ignore[arg-type]


# BRI keeps answering 409xx00: the create fails as a gateway error in the envelope (502), and BRI made no VA.
async def test_aCreateBriKeepsAnswering409xx00FailsAsAGatewayError(
    paymentStack: PaymentStack, payer: Payer, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = await reuseExternalIds(monkeypatch, paymentStack, payer)
    assert (await paymentStack.create(payer)).status_code == 201
    response = await paymentStack.create(payer)
    assert response.status_code == 502
    error = response.json()["error"]
    assert error["code"] == "gateway_duplicate_external_id"
    assert error["details"][0] == {"responseCode": "4092700", "responseMessage": "Conflict"}
    paymentId = next(detail["paymentId"] for detail in error["details"] if "paymentId" in detail)
    stored = await storedPayment(database, paymentId)
    assert (stored["status"], stored["flagged_reason"]) == ("failed", None)
    assert str(stored["failure_reason"]).startswith("gateway_duplicate_external_id:")
    assert await callsTo(paymentStack, "create-va") == before + 3
    await paymentStack.app.state.paymentCleanups.drain(10)
    assert await callsTo(paymentStack, "delete-va") == 0


# A cancel whose VA delete BRI keeps answering 409xx00 is a gateway failure: the payment stays pending and BRI is not
# asked again whether it was paid (a conflict was read as "the VA was paid since the poll").
async def test_aCancelWhoseDeleteBriKeepsAnswering409xx00IsAGatewayFailure(
    paymentStack: PaymentStack, payer: Payer, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    paymentId = (await paymentStack.create(payer)).json()["id"]
    await reuseExternalIds(monkeypatch, paymentStack, payer)
    response = await paymentStack.http.post(f"{paymentStack.appUrl}{PREFIX}/payments/{paymentId}/cancel",
                                            headers=payer.headers)
    assert response.status_code == 502
    error = response.json()["error"]
    assert (error["code"], error["details"]) == (
        "gateway_duplicate_external_id", [{"responseCode": "4093100", "responseMessage": "Conflict"}])
    assert (await storedPayment(database, paymentId))["status"] == "pending"
    assert (await callsTo(paymentStack, "status"), await callsTo(paymentStack, "delete-va")) == (1, 2)


# An expired payment's VA delete BRI answers 409xx00 (after the client's new id) is no evidence of payment: the pass
# neither asks BRI again nor flags it. It was read as a refusal to delete a paid VA, and BRI failing that second
# poll flagged the payment "late_payment: paid while expired".
async def test_aDeleteBriAnswers409xx00IsNoEvidenceOfPayment(
    paymentStack: PaymentStack, payer: Payer, database: Database
) -> None:
    created = (await paymentStack.create(payer)).json()
    await expireIn(database, created["id"], -5)
    customerNo = str((await storedPayment(database, created["id"]))["customer_no"])
    duplicate = DeleteRaises(paymentStack.app.state.paymentGateway, customerNo,
                             GatewayDuplicateExternalIdError("4093100", "Conflict"))
    gateway = StatusUnavailableAfter(duplicate, 1, customerNo)
    await reconciler(paymentStack, gateway).execute()
    stored = await storedPayment(database, created["id"])
    assert (stored["status"], stored["flagged_reason"]) == ("expired", None)
    assert gateway.calls == 1
    assert (await auditActions(database, created["id"]))[-1] == "payment.expired"
