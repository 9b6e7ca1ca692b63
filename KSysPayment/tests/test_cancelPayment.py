from __future__ import annotations

import asyncio
import re
import secrets
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from KSysPayment.backend.application.cancelPayment import BRI_DEADLINE_SECONDS, CancelPayment
from KSysPayment.backend.application.createPayment import CreatePayment
from KSysPayment.backend.application.createPaymentInput import CreatePaymentInput
from KSysPayment.backend.domain.exceptions.gatewayErrors import GatewayConflictError, GatewayTimeoutError
from KSysPayment.backend.domain.exceptions.paymentErrors import InvalidPaymentStateError, PaymentPaidAtGatewayError
from KSysPayment.backend.domain.gatewayTypes import QrisPaymentStatus, VirtualAccount
from KSysPayment.backend.domain.paymentGatewayInterface import PaymentGatewayInterface
from KSysPayment.backend.domain.requestContext import RequestContext
from KSysPayment.tests.support.briSender import QRIS_NOTIFY, BriSender, qrisBody
from KSysPayment.tests.support.gatewayDouble import RealGatewayExcept
from KSysPayment.tests.support.paymentQueries import auditActions, eventOutcomes, execute, storedPayment
from KSysPayment.tests.support.paymentStack import PREFIX, Payer, PaymentStack
from shared.backend.database.engine import Database


async def cancel(stack: PaymentStack, payer: Payer, paymentId: str) -> tuple[int, dict[str, object]]:
    response = await stack.http.post(f"{stack.appUrl}{PREFIX}/payments/{paymentId}/cancel", headers=payer.headers)
    return response.status_code, response.json()


async def test_cancelPendingDeletesVa(paymentStack: PaymentStack, payer: Payer) -> None:
    paymentId = (await paymentStack.create(payer)).json()["id"]
    status, body = await cancel(paymentStack, payer, paymentId)
    assert status == 200
    assert body["status"] == "cancelled"
    assert (await paymentStack.simulatorState())["virtualAccounts"] == []
    again, error = await cancel(paymentStack, payer, paymentId)
    assert again == 409
    assert error["error"]["code"] == "invalid_payment_state"  # type: ignore[index]


async def test_cancelQris(paymentStack: PaymentStack, payer: Payer) -> None:
    paymentId = (await paymentStack.create(payer, method="qris")).json()["id"]
    status, body = await cancel(paymentStack, payer, paymentId)
    assert (status, body["status"]) == (200, "cancelled")
    # The QR stays payable at BRI: a closed payment no longer shows it.
    assert body["qrContent"] is None
    assert (await paymentStack.get(payer, paymentId)).json()["qrContent"] is None


@pytest.mark.parametrize("method", ["briva", "qris"])
async def test_cancelOfPaymentPaidAtBriSettlesIt(
    paymentStack: PaymentStack, payer: Payer, database: Database, method: str
) -> None:
    created = (await paymentStack.create(payer, method=method)).json()
    stored = await storedPayment(database, created["id"])
    target = ({"virtualAccountNo": created["virtualAccountNo"]} if method == "briva"
              else {"partnerReferenceNo": stored["partner_reference_no"]})
    # BRI takes the money but its notification is lost (our endpoint refuses the tampered signature).
    result = await paymentStack.pay(**target, tamperSignature=True)
    assert result["notifications"][0]["status"] == 401  # type: ignore[index]
    status, body = await cancel(paymentStack, payer, created["id"])
    assert status == 409
    assert body["error"]["code"] == "payment_already_paid"  # type: ignore[index]
    assert body["error"]["details"][0]["status"] == "paid"  # type: ignore[index]
    assert (await paymentStack.get(payer, created["id"])).json()["status"] == "paid"
    assert await eventOutcomes(database, created["id"]) == ["settled"]
    assert "payment.cancelled" not in await auditActions(database, created["id"])


@pytest.mark.parametrize(("briStatus", "status", "code"), [(503, 503, "gateway_unavailable"),
                                                           (504, 504, "gateway_timeout")])
async def test_cancelWhileBriCannotAnswerChangesNothing(
    paymentStack: PaymentStack, payer: Payer, database: Database, briStatus: int, status: int, code: str
) -> None:
    created = (await paymentStack.create(payer)).json()
    fault = {"path": "/snap/v1.0/transfer-va/status", "count": 3, "status": briStatus}
    (await paymentStack.http.post(f"{paymentStack.simulatorUrl}/simulator/faults", json=fault)).raise_for_status()
    answer, body = await cancel(paymentStack, payer, created["id"])
    assert (answer, body["error"]["code"]) == (status, code)  # type: ignore[index]
    assert (await paymentStack.get(payer, created["id"])).json()["status"] == "pending"
    assert len((await paymentStack.simulatorState())["virtualAccounts"]) == 1  # type: ignore[arg-type]
    assert await auditActions(database, created["id"]) == ["payment.created", "payment.provisioned"]


async def test_cancelRacingPaymentEndsInOneFinalState(
    paymentStack: PaymentStack, payer: Payer, database: Database
) -> None:
    for _ in range(6):
        created = (await paymentStack.create(payer)).json()
        pay = paymentStack.pay(virtualAccountNo=created["virtualAccountNo"])
        results = await asyncio.gather(cancel(paymentStack, payer, created["id"]), pay, return_exceptions=True)
        cancelStatus = results[0][0] if isinstance(results[0], tuple) else None
        paid = results[1]
        if isinstance(paid, BaseException):
            # The cancel deleted the VA at BRI first: the simulator refused the payment.
            assert isinstance(paid, AssertionError) and "unknown virtualAccountNo" in str(paid), repr(paid)
        else:
            # BRI paid it and told us: our notify endpoint answered every report, whichever side won.
            assert [item["status"] for item in paid["notifications"]] == [200], paid  # type: ignore[index,union-attr]
        final = (await paymentStack.get(payer, created["id"])).json()
        async with database.engine.connect() as connection:
            outcomes = (await connection.execute(
                text("SELECT outcome FROM payment_events WHERE payment_id = :id"), {"id": created["id"]}
            )).scalars().all()
        if final["status"] == "paid":
            assert cancelStatus == 409
            assert outcomes == ["settled"]
        else:
            assert final["status"] == "cancelled"
            assert cancelStatus == 200
            # A payment that slipped in after the cancel is recorded and flagged, never credited.
            assert "settled" not in outcomes
            assert final["paidAt"] is None


class CancelDuringCreate(RealGatewayExcept):
    # The real gateway, except that create-va lets the payment's cancel run first: a cancel arriving while
    # BRI creates the VA finds nothing to delete at BRI.
    def __init__(self, real: PaymentGatewayInterface, cancel: Callable[[uuid.UUID], Awaitable[object]]) -> None:
        super().__init__(real)
        self.cancel = cancel

    async def createVirtualAccount(self, **fields: object) -> VirtualAccount:
        await self.cancel(uuid.UUID(hex=fields["trxId"]))
        return await self.real.createVirtualAccount(**fields)


async def test_cancelDuringCreateLeavesNoVaAtBri(paymentStack: PaymentStack, payer: Payer, database: Database) -> None:
    state = paymentStack.app.state
    context = RequestContext(requestId="cancel-during-create", ip="127.0.0.1")
    canceller = CancelPayment(state.paymentUow, state.settlementRecords, state.paymentGateway, timedelta(hours=24))
    gateway = CancelDuringCreate(state.paymentGateway,
                                 lambda paymentId: canceller.execute(payer.id, paymentId, context))
    create = CreatePayment(state.paymentUow, state.paymentStatements, state.paymentRecords, state.settlementRecords,
                           gateway, state.settings.payment, state.paymentCleanups.spawn)
    created = await create.execute(payer.id, secrets.token_hex(8),
                                   CreatePaymentInput(amount=15000, method="briva"), context)
    assert created.payment.status == "cancelled"
    assert (await paymentStack.simulatorState())["virtualAccounts"] == []
    actions = await auditActions(database, str(created.payment.id))
    assert actions == ["payment.created", "payment.cancelled", "payment.provisioned"]


async def test_simulatorRefusesToDeleteAPaidVa(paymentStack: PaymentStack, payer: Payer, database: Database) -> None:
    created = (await paymentStack.create(payer)).json()
    await paymentStack.pay(virtualAccountNo=created["virtualAccountNo"])
    stored = await storedPayment(database, created["id"])
    with pytest.raises(GatewayConflictError):
        await paymentStack.app.state.paymentGateway.deleteVirtualAccount(
            customerNo=str(stored["customer_no"]), trxId=str(stored["partner_reference_no"]))
    assert len((await paymentStack.simulatorState())["virtualAccounts"]) == 1  # type: ignore[arg-type]


async def test_cancelOfAnExpiredPaymentIsRefused(paymentStack: PaymentStack, payer: Payer, database: Database) -> None:
    paymentId = (await paymentStack.create(payer)).json()["id"]
    await execute(database, "UPDATE payments SET status = 'expired' WHERE id = :id", id=paymentId)
    status, body = await cancel(paymentStack, payer, paymentId)
    assert (status, body["error"]["code"]) == (409, "invalid_payment_state")  # type: ignore[index]
    assert (await storedPayment(database, paymentId))["status"] == "expired"
    assert "payment.cancelled" not in await auditActions(database, paymentId)


class PaidAfterQuery(RealGatewayExcept):
    # The real gateway, except that BRI's notification settles the payment just after the QRIS query answered.
    def __init__(self, real: PaymentGatewayInterface, notify: Callable[[], Awaitable[object]]) -> None:
        super().__init__(real)
        self.notify = notify

    async def queryQris(self, *, referenceNo: str) -> QrisPaymentStatus:
        answer = await self.real.queryQris(referenceNo=referenceNo)
        await self.notify()
        return answer


# A QRIS payment of 20,000 and a cancel whose status query is followed by BRI's report that `paidAmount` was paid.
async def qrisCancelNotifiedAfterItsQuery(
    paymentStack: PaymentStack, payer: Payer, database: Database, briSender: BriSender, paidAmount: int
) -> tuple[dict[str, str], CancelPayment]:
    created = (await paymentStack.create(payer, amount=20000, method="qris")).json()
    stored = await storedPayment(database, created["id"])
    body = qrisBody(str(stored["bri_reference_no"]), str(stored["partner_reference_no"]), paidAmount)
    state = paymentStack.app.state
    gateway = PaidAfterQuery(state.paymentGateway, lambda: briSender.notify(QRIS_NOTIFY, body))
    return created, CancelPayment(state.paymentUow, state.settlementRecords, gateway, timedelta(hours=24))


async def test_qrisCancelLosesToAPaymentSettledAfterThePoll(
    paymentStack: PaymentStack, payer: Payer, database: Database, briSender: BriSender
) -> None:
    created, canceller = await qrisCancelNotifiedAfterItsQuery(paymentStack, payer, database, briSender, 20000)
    context = RequestContext(requestId="cancel-after-poll", ip="127.0.0.1")
    with pytest.raises(InvalidPaymentStateError) as refused:
        await canceller.execute(payer.id, uuid.UUID(created["id"]), context)
    assert (refused.value.code, refused.value.details) == (
        "invalid_payment_state", [{"status": "paid", "requested": "cancelled"}])
    after = await storedPayment(database, created["id"])
    assert (after["status"], after["recheck_at"]) == ("paid", None)
    assert await eventOutcomes(database, created["id"]) == ["settled"]
    assert "payment.cancelled" not in await auditActions(database, created["id"])


# BRI reports the QR paid with another amount after the poll answered unpaid: the payment is flagged and stays
# pending for an admin, and the cancel answers as if its poll had seen the payment (money BRI took is not
# cancelled away).
async def test_qrisCancelLosesToAPaymentFlaggedAfterThePoll(
    paymentStack: PaymentStack, payer: Payer, database: Database, briSender: BriSender
) -> None:
    created, canceller = await qrisCancelNotifiedAfterItsQuery(paymentStack, payer, database, briSender, 19000)
    context = RequestContext(requestId="cancel-flagged-after-poll", ip="127.0.0.1")
    with pytest.raises(PaymentPaidAtGatewayError) as refused:
        await canceller.execute(payer.id, uuid.UUID(created["id"]), context)
    [detail] = refused.value.details
    assert (detail["status"], str(detail["flaggedReason"]).startswith("amount_mismatch")) == ("pending", True)
    after = await storedPayment(database, created["id"])
    assert (after["status"], after["recheck_at"]) == ("pending", None)
    assert "payment.cancelled" not in await auditActions(database, created["id"])


async def test_cancelEndsWithinItsBriDeadline(paymentStack: PaymentStack, payer: Payer, database: Database) -> None:
    # BRI's status call hangs: the cancel answers gateway_timeout at its deadline and changes nothing.
    created = (await paymentStack.create(payer)).json()
    fault = {"path": "/snap/v1.0/transfer-va/status", "count": 1, "status": None, "delaySeconds": 3}
    (await paymentStack.http.post(f"{paymentStack.simulatorUrl}/simulator/faults", json=fault)).raise_for_status()
    state = paymentStack.app.state
    canceller = CancelPayment(state.paymentUow, state.settlementRecords, state.paymentGateway, timedelta(hours=24),
                              briDeadlineSeconds=0.5)
    context = RequestContext(requestId="cancel-deadline", ip="127.0.0.1")
    started = asyncio.get_running_loop().time()
    with pytest.raises(GatewayTimeoutError):
        await canceller.execute(payer.id, uuid.UUID(created["id"]), context)
    assert asyncio.get_running_loop().time() - started < 1.5
    assert (await storedPayment(database, created["id"]))["status"] == "pending"
    assert len((await paymentStack.simulatorState())["virtualAccounts"]) == 1  # type: ignore[arg-type]


def test_cancelDeadlineEndsBeforeTheGatewayGivesUp() -> None:
    conf = (Path(__file__).parents[2] / "nginx" / "nginx.conf").read_text()
    [readTimeout] = re.findall(r"proxy_read_timeout (\d+)s;", conf)
    assert int(readTimeout) >= BRI_DEADLINE_SECONDS + 5  # 5 s left for the database and the answer
