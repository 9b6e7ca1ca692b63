from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Awaitable, Callable, Mapping

import pytest

from KSysPayment.backend.application.createPayment import CreatePayment
from KSysPayment.backend.application.createPaymentInput import CreatePaymentInput
from KSysPayment.backend.domain.exceptions.gatewayErrors import GatewayTimeoutError
from KSysPayment.backend.domain.gatewayTypes import VirtualAccount
from KSysPayment.backend.domain.paymentGatewayInterface import PaymentGatewayInterface
from KSysPayment.backend.domain.requestContext import RequestContext
from KSysPayment.backend.infrastructure.bri.briHttpClient import BriHttpClient, HttpAnswer
from KSysPayment.tests.support.gatewayDouble import RealGatewayExcept
from KSysPayment.tests.support.paymentStack import PREFIX, Payer, PaymentStack

CREATE_VA = "/snap/v1.0/transfer-va/create-va"
DELETE_VA = "/snap/v1.0/transfer-va/delete-va"


def answerAfterCreate(monkeypatch: pytest.MonkeyPatch, stack: PaymentStack, answer: HttpAnswer) -> list[bool]:
    # BRI makes the VA (the simulator holds it), and we get `answer` instead of its success; returns the
    # list the replaced answers are counted in.
    httpClient: BriHttpClient = stack.app.state.paymentGateway.transport.httpClient
    real = httpClient.request
    replaced: list[bool] = []

    async def request(method: str, url: str, body: bytes, headers: Mapping[str, str]) -> HttpAnswer:
        received = await real(method, url, body, headers)
        if not url.endswith(CREATE_VA) or received.status != 200:
            return received  # a 401 (the simulator's reset dropped our token) is retried with a new one
        replaced.append(True)
        if answer.status == 200:  # BRI's success with an unreadable amount
            data = json.loads(received.body)
            data["virtualAccountData"]["totalAmount"]["value"] = "15,000.00"
            return HttpAnswer(200, json.dumps(data).encode())
        return answer

    monkeypatch.setattr(httpClient, "request", request)
    return replaced


async def deleteCalls(stack: PaymentStack) -> int:
    calls = (await stack.simulatorState())["calls"]
    assert isinstance(calls, dict)
    return int(calls.get(DELETE_VA, 0))


async def failedCreate(stack: PaymentStack, payer: Payer, status: int, code: str) -> str:
    response = await stack.create(payer)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    paymentId = next(d["paymentId"] for d in error["details"] if "paymentId" in d)
    stored = (await stack.get(payer, paymentId)).json()
    assert (stored["status"], stored["virtualAccountNo"]) == ("failed", None)
    return str(paymentId)


@pytest.mark.parametrize(("answer", "status", "code"), [
    (HttpAnswer(200, b""), 502, "gateway_bad_response"),
    (HttpAnswer(500, b'{"responseCode":"5002700","responseMessage":"General Error"}'), 503, "gateway_unavailable"),
    (HttpAnswer(502, b"<html>Bad Gateway</html>"), 503, "gateway_unavailable"),
], ids=["unreadable2xx", "json5xx", "html5xx"])
async def test_createAnswerThatMayHaveMadeTheVaDeletesIt(
    paymentStack: PaymentStack, payer: Payer, monkeypatch: pytest.MonkeyPatch,
    answer: HttpAnswer, status: int, code: str,
) -> None:
    created = answerAfterCreate(monkeypatch, paymentStack, answer)
    await failedCreate(paymentStack, payer, status, code)
    cleanups = paymentStack.app.state.paymentCleanups
    await cleanups.drain(10)
    assert created == [True]
    state = await paymentStack.simulatorState()
    assert state["virtualAccounts"] == [], "a failed payment's VA is still payable at BRI"


async def test_createRefusedByBriSendsNoDelete(paymentStack: PaymentStack, payer: Payer) -> None:
    # A 4xx is BRI saying it made no VA: nothing to clean up.
    deletesBefore = await deleteCalls(paymentStack)
    fault = {"path": CREATE_VA, "count": 1, "status": 400}
    (await paymentStack.http.post(f"{paymentStack.simulatorUrl}/simulator/faults", json=fault)).raise_for_status()
    await failedCreate(paymentStack, payer, 502, "gateway_rejected")
    assert not paymentStack.app.state.paymentCleanups.running
    assert await deleteCalls(paymentStack) == deletesBefore


async def test_createThatCannotStoreBrisAnswerFailsAndDeletesTheVa(
    paymentStack: PaymentStack, payer: Payer, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = paymentStack.app.state.paymentRecords

    async def brokenUpdate(*args: object) -> None:
        raise ConnectionResetError("the database went away")

    monkeypatch.setattr(records, "updateWithAudit", brokenUpdate)
    response = await paymentStack.create(payer)
    assert response.status_code == 503, response.text
    monkeypatch.undo()
    await paymentStack.app.state.paymentCleanups.drain(10)
    assert (await paymentStack.simulatorState())["virtualAccounts"] == []
    listed = await paymentStack.http.get(f"{paymentStack.appUrl}{PREFIX}/payments", headers=payer.headers)
    [payment] = listed.json()["items"]
    assert (payment["status"], payment["virtualAccountNo"]) == ("failed", None)
    assert payment["failureReason"] == "ConnectionResetError"


class PaidDuringCreate(RealGatewayExcept):
    # The real gateway, except that the customer pays the new VA (and BRI notifies us) before create-va answers.
    def __init__(self, real: PaymentGatewayInterface, pay: Callable[[str], Awaitable[object]]) -> None:
        super().__init__(real)
        self.pay = pay

    async def createVirtualAccount(self, **fields: object) -> VirtualAccount:
        made = await self.real.createVirtualAccount(**fields)
        await self.pay(made.virtualAccountNo)
        return made


async def test_createOfAVaPaidBeforeItsAnswerSendsNoDelete(paymentStack: PaymentStack, payer: Payer) -> None:
    state = paymentStack.app.state
    gateway = PaidDuringCreate(state.paymentGateway, lambda number: paymentStack.pay(virtualAccountNo=number))
    create = CreatePayment(state.paymentUow, state.paymentStatements, state.paymentRecords, state.settlementRecords,
                           gateway, state.settings.payment, state.paymentCleanups.spawn)
    deletesBefore = await deleteCalls(paymentStack)
    created = await create.execute(payer.id, secrets.token_hex(8), CreatePaymentInput(amount=15000, method="briva"),
                                   RequestContext(requestId="paid-during-create", ip="127.0.0.1"))
    assert created.payment.status == "paid"
    assert await deleteCalls(paymentStack) == deletesBefore


# BRI's create-va hangs (the token call before it may too, retried up to 3 x BRI_TIMEOUT_SECONDS): the create answers
# gateway_timeout at its deadline, before the gateway's proxy_read_timeout, and deletes the VA BRI made late.
async def test_createEndsWithinItsBriDeadline(paymentStack: PaymentStack, payer: Payer) -> None:
    fault = {"path": CREATE_VA, "count": 1, "status": None, "delaySeconds": 2}
    (await paymentStack.http.post(f"{paymentStack.simulatorUrl}/simulator/faults", json=fault)).raise_for_status()
    state = paymentStack.app.state
    create = CreatePayment(state.paymentUow, state.paymentStatements, state.paymentRecords, state.settlementRecords,
                           state.paymentGateway, state.settings.payment, state.paymentCleanups.spawn,
                           briDeadlineSeconds=0.5)
    started = asyncio.get_running_loop().time()
    with pytest.raises(GatewayTimeoutError) as raised:
        await create.execute(payer.id, secrets.token_hex(8), CreatePaymentInput(amount=15000, method="briva"),
                             RequestContext(requestId="create-deadline", ip="127.0.0.1"))
    assert asyncio.get_running_loop().time() - started < 1.5
    paymentId = next(str(detail["paymentId"]) for detail in raised.value.details if "paymentId" in detail)
    assert (await paymentStack.get(payer, paymentId)).json()["status"] == "failed"
    await state.paymentCleanups.drain(10)
    assert (await paymentStack.simulatorState())["virtualAccounts"] == []
