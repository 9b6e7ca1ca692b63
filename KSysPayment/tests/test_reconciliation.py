from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable

import pytest
from sqlalchemy import text

from KSysPayment.backend.application import reconcilePayments
from KSysPayment.backend.domain.exceptions.gatewayErrors import (
    GatewayConflictError,
    GatewayRejectedError,
    GatewayUnavailableError,
)
from KSysPayment.backend.domain.gatewayTypes import VirtualAccountPaymentStatus
from KSysPayment.backend.infrastructure.background.reconcileLoop import RECONCILE_LOCK_KEY, reconcileTask, runPass
from KSysPayment.backend.infrastructure.http.paymentService import createPaymentService
from KSysPayment.tests.support.briSender import VA_NOTIFY, BriSender, vaBody
from KSysPayment.tests.support.paymentQueries import auditActions, eventOutcomes, storedPayment
from KSysPayment.tests.support.paymentStack import Payer, PaymentStack
from KSysPayment.tests.support.reconcileSupport import AlteredStatus, expireIn, overdueUnnotifiedPayment, reconciler
from shared.backend.appFactory import createApp
from shared.backend.config.settings import PaymentSettings
from shared.backend.database.engine import Database
from tests.support.inProcess import runningApp


async def test_lostVaNotificationSettlesByPolling(
    paymentStack: PaymentStack, payer: Payer, database: Database, briSender: BriSender
) -> None:
    created = (await paymentStack.create(payer, amount=15000)).json()
    # The simulator takes the money but our endpoint refuses the (tampered) notification: it is lost.
    result = await paymentStack.pay(virtualAccountNo=created["virtualAccountNo"], tamperSignature=True)
    assert result["notifications"][0]["status"] == 401  # type: ignore[index]
    assert (await paymentStack.get(payer, created["id"])).json()["status"] == "pending"
    await expireIn(database, created["id"], 60)
    report = await reconciler(paymentStack).execute()
    assert report.settled >= 1
    assert (await paymentStack.get(payer, created["id"])).json()["status"] == "paid"
    # BRI's retry arriving after the poll is a duplicate of the same payment request.
    stored = await storedPayment(database, created["id"])
    late = await briSender.notify(VA_NOTIFY, vaBody(str(stored["virtual_account_no"]), 15000,
                                                    str(result["paymentRequestId"])))
    assert late.json()["responseCode"] == "2003400"
    assert await eventOutcomes(database, created["id"]) == ["settled"]
    assert (await auditActions(database, created["id"])).count("payment.paid") == 1


async def test_lostQrisNotificationSettlesByPolling(
    paymentStack: PaymentStack, payer: Payer, database: Database
) -> None:
    created = (await paymentStack.create(payer, amount=20000, method="qris")).json()
    stored = await storedPayment(database, created["id"])
    await paymentStack.pay(partnerReferenceNo=stored["partner_reference_no"], tamperToken=True)
    await expireIn(database, created["id"], -5)
    await reconciler(paymentStack).execute()
    assert (await paymentStack.get(payer, created["id"])).json()["status"] == "paid"
    assert await eventOutcomes(database, created["id"]) == ["settled"]


async def test_overdueUnpaidPaymentExpires(paymentStack: PaymentStack, payer: Payer, database: Database) -> None:
    created = (await paymentStack.create(payer)).json()
    notDue = (await paymentStack.create(payer)).json()
    await expireIn(database, created["id"], -5)
    report = await reconciler(paymentStack).execute()
    assert report.expired >= 1
    assert (await paymentStack.get(payer, created["id"])).json()["status"] == "expired"
    assert (await paymentStack.get(payer, notDue["id"])).json()["status"] == "pending"
    remaining = (await paymentStack.simulatorState())["virtualAccounts"]
    assert [va["virtualAccountNo"].replace(" ", "") for va in remaining] == [notDue["virtualAccountNo"]]  # type: ignore[union-attr]
    assert (await auditActions(database, created["id"]))[-1] == "payment.expired"


async def test_pendingPaymentNearItsExpiryIsPolledButNotExpired(
    paymentStack: PaymentStack, payer: Payer, database: Database
) -> None:
    created = (await paymentStack.create(payer)).json()
    await expireIn(database, created["id"], 180)  # within the poll horizon, not yet overdue
    report = await reconciler(paymentStack).execute()
    assert report.polled >= 1
    stored = await storedPayment(database, created["id"])
    assert (stored["status"], stored["flagged_reason"], stored["recheck_at"]) == ("pending", None, None)
    assert (await auditActions(database, created["id"]))[-1] == "payment.provisioned"
    remaining = (await paymentStack.simulatorState())["virtualAccounts"]
    assert [va["virtualAccountNo"].replace(" ", "") for va in remaining] == [created["virtualAccountNo"]]  # type: ignore[union-attr]


async def test_oneRunnerAtATime(paymentStack: PaymentStack, database: Database) -> None:
    calls: list[int] = []

    async def work() -> None:
        calls.append(1)

    async with database.engine.connect() as holder:
        await holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": RECONCILE_LOCK_KEY})
        assert await runPass(database.engine, work) is False
        await holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": RECONCILE_LOCK_KEY})
    assert await runPass(database.engine, work) is True
    assert calls == [1]


async def test_backgroundTaskExpiresAndStopsCleanly(
    paymentStack: PaymentStack, payer: Payer, database: Database
) -> None:
    created = (await paymentStack.create(payer)).json()
    await expireIn(database, created["id"], -5)
    payment = PaymentSettings(PAYMENT_RECONCILE_INTERVAL_SECONDS=1)  # type: ignore[arg-type]
    settings = dataclasses.replace(paymentStack.settings, payment=payment)
    app = createApp(settings, createPaymentService(settings))
    before = {t for t in asyncio.all_tasks() if t.get_name() == "payment-reconcile"}
    async with runningApp(app):
        for _ in range(50):
            if (await paymentStack.get(payer, created["id"])).json()["status"] == "expired":
                break
            await asyncio.sleep(0.2)
        [task] = [t for t in asyncio.all_tasks() if t.get_name() == "payment-reconcile" and t not in before]
    assert (await paymentStack.get(payer, created["id"])).json()["status"] == "expired"
    assert task.done()


async def test_failingPassNeverStopsTheLoop(database: Database) -> None:
    calls: list[bool] = []

    async def flaky(stopping: Callable[[], bool]) -> None:
        calls.append(stopping())
        if len(calls) == 1:
            raise RuntimeError("BRI exploded")

    async with reconcileTask(database.engine, flaky, 0.05) as task:
        for _ in range(100):
            if len(calls) >= 3:
                break
            await asyncio.sleep(0.05)
    assert len(calls) >= 3
    assert not any(calls)
    assert task.done() and not task.cancelled()


async def test_failingPollsNeitherStallThePassNorStayPendingForever(
    paymentStack: PaymentStack, payer: Payer, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reconcilePayments, "BATCH_SIZE", 2)
    rejected = [(await paymentStack.create(payer)).json() for _ in range(2)]
    briDown = [(await paymentStack.create(payer)).json() for _ in range(2)]
    conflicted = (await paymentStack.create(payer)).json()
    healthy = (await paymentStack.create(payer)).json()
    # The oldest first: before, they filled every batch and the healthy payment was never reached.
    for payment in rejected:
        await expireIn(database, payment["id"], -4 * 3600)
    await expireIn(database, briDown[0]["id"], -2 * 3600)
    await expireIn(database, briDown[1]["id"], -60)
    await expireIn(database, conflicted["id"], -30)
    await expireIn(database, healthy["id"], -5)
    answers: dict[str, Exception | dict[str, object]] = {}
    for payment in rejected:
        answers[str((await storedPayment(database, payment["id"]))["customer_no"])] = GatewayRejectedError("4002601")
    for payment in briDown:
        answers[str((await storedPayment(database, payment["id"]))["customer_no"])] = GatewayUnavailableError()
    answers[str((await storedPayment(database, conflicted["id"]))["customer_no"])] = GatewayConflictError("4092600")
    report = await reconciler(paymentStack, AlteredStatus(paymentStack.app.state.paymentGateway, answers)).execute()
    assert report.errors >= 4
    for payment in [*rejected, briDown[0]]:
        stored = await storedPayment(database, payment["id"])
        assert stored["status"] == "expired"
        assert str(stored["flagged_reason"]).startswith("unverified_expiry: BRI status poll failed")
        assert (await auditActions(database, payment["id"]))[-2:] == ["payment.expired", "payment.flagged"]
    # BRI unreachable for a minute only, or a duplicate-id conflict: the payment waits for a poll that answers.
    assert (await storedPayment(database, briDown[1]["id"]))["status"] == "pending"
    assert (await storedPayment(database, conflicted["id"]))["status"] == "pending"
    healthyRow = await storedPayment(database, healthy["id"])
    assert (healthyRow["status"], healthyRow["flagged_reason"]) == ("expired", None)


# BRI answers the status poll with a 404 that is no "unknown VA" (a merchant or partner refusal): the overdue
# payment expires flagged for a person to check, not silently as if BRI had said it was unpaid.
async def test_aStatusRefusedWithAnotherNotFoundCaseExpiresFlagged(
    paymentStack: PaymentStack, payer: Payer, database: Database
) -> None:
    created = (await paymentStack.create(payer)).json()
    await expireIn(database, created["id"], -4 * 3600)
    fault = {"path": "/snap/v1.0/transfer-va/status", "count": 3, "status": 404}
    (await paymentStack.http.post(f"{paymentStack.simulatorUrl}/simulator/faults", json=fault)).raise_for_status()
    await reconciler(paymentStack).execute()
    stored = await storedPayment(database, created["id"])
    assert stored["status"] == "expired"
    assert str(stored["flagged_reason"]).startswith("unverified_expiry: BRI status poll failed")


@pytest.mark.parametrize("missing", ["paidAmount", "paymentRequestId"])
async def test_pollWithoutAmountOrRequestIdLeavesTheKeyToTheNotification(
    paymentStack: PaymentStack, payer: Payer, database: Database, briSender: BriSender, missing: str
) -> None:
    created = (await paymentStack.create(payer, amount=15000)).json()
    result = await paymentStack.pay(virtualAccountNo=created["virtualAccountNo"], tamperSignature=True)
    stored = await storedPayment(database, created["id"])
    await expireIn(database, created["id"], 60)
    gateway = AlteredStatus(paymentStack.app.state.paymentGateway, {str(stored["customer_no"]): {missing: None}})
    await reconciler(paymentStack, gateway).execute()
    # Paid at BRI but unverifiable: nothing settled, flagged or recorded.
    stored = await storedPayment(database, created["id"])
    assert (stored["status"], stored["flagged_reason"]) == ("pending", None)
    assert await eventOutcomes(database, created["id"]) == []
    reply = await briSender.notify(VA_NOTIFY, vaBody(str(stored["virtual_account_no"]), 15000,
                                                     str(result["paymentRequestId"])))
    assert reply.json()["responseCode"] == "2003400"
    stored = await storedPayment(database, created["id"])
    assert (stored["status"], stored["flagged_reason"]) == ("paid", None)
    assert await eventOutcomes(database, created["id"]) == ["settled"]


async def test_overduePaymentPaidWithoutAmountIsFlaggedNotExpired(
    paymentStack: PaymentStack, payer: Payer, database: Database
) -> None:
    paymentId, customerNo = await overdueUnnotifiedPayment(paymentStack, payer, database)
    gateway = AlteredStatus(paymentStack.app.state.paymentGateway, {customerNo: {"paidAmount": None}})
    report = await reconciler(paymentStack, gateway).execute()
    stored = await storedPayment(database, paymentId)
    assert stored["status"] == "pending"
    assert str(stored["flagged_reason"]).startswith("paid_unverified")
    assert report.flagged >= 1
    await reconciler(paymentStack, gateway).execute()
    assert (await auditActions(database, paymentId)).count("payment.flagged") == 1


# A payment flagged for a person (paid with another amount) stays pending; once overdue by more than the
# flagged window it is no longer polled at BRI on every pass (a BRI call and a row lock each, for ever).
async def test_aFlaggedPaymentLongOverdueIsNoLongerPolled(
    paymentStack: PaymentStack, payer: Payer, database: Database
) -> None:
    created = (await paymentStack.create(payer, amount=15000)).json()
    await paymentStack.pay(virtualAccountNo=created["virtualAccountNo"], amount=16000)
    assert str((await storedPayment(database, created["id"]))["flagged_reason"]).startswith("amount_mismatch")
    customerNo = str((await storedPayment(database, created["id"]))["customer_no"])
    polled: list[str] = []

    class CountingStatus(AlteredStatus):
        async def virtualAccountStatus(self, *, customerNo: str, inquiryRequestId: str) -> VirtualAccountPaymentStatus:
            polled.append(customerNo)
            return await super().virtualAccountStatus(customerNo=customerNo, inquiryRequestId=inquiryRequestId)

    gateway = CountingStatus(paymentStack.app.state.paymentGateway, {})
    await expireIn(database, created["id"], -3600)
    await reconciler(paymentStack, gateway).execute()
    assert polled.count(customerNo) == 1  # still inside the window: polled, left pending
    await expireIn(database, created["id"], -25 * 3600)
    await reconciler(paymentStack, gateway).execute()
    assert polled.count(customerNo) == 1
    assert (await storedPayment(database, created["id"]))["status"] == "pending"


# Paid at BRI, even with the wrong currency: flagged and kept pending, never expired, overdue or not.
@pytest.mark.parametrize("expiresIn", [60, -60], ids=["not yet due", "overdue"])
async def test_pollInAnotherCurrencyIsAnAmountMismatch(
    paymentStack: PaymentStack, payer: Payer, database: Database, expiresIn: int
) -> None:
    created = (await paymentStack.create(payer, amount=15000)).json()
    await paymentStack.pay(virtualAccountNo=created["virtualAccountNo"], tamperSignature=True)
    customerNo = str((await storedPayment(database, created["id"]))["customer_no"])
    await expireIn(database, created["id"], expiresIn)
    gateway = AlteredStatus(paymentStack.app.state.paymentGateway, {customerNo: {"currency": "USD"}})
    await reconciler(paymentStack, gateway).execute()
    stored = await storedPayment(database, created["id"])
    assert stored["status"] == "pending"
    assert stored["flagged_reason"] == "amount_mismatch: expected 15000 IDR, BRI reported 15000 USD"
    assert await eventOutcomes(database, created["id"]) == ["amount_mismatch"]


# Paid at BRI with another amount, then BRI's status poll fails (transiently past the grace, or permanently):
# the payment stays pending with its flag for a person, never expired as unverified over it.
@pytest.mark.parametrize("error", [GatewayUnavailableError(), GatewayRejectedError("4002601")],
                         ids=["transient", "permanent"])
async def test_aFlaggedPaymentIsNotExpiredWhenItsPollFails(
    paymentStack: PaymentStack, payer: Payer, database: Database, error: Exception
) -> None:
    created = (await paymentStack.create(payer, amount=15000)).json()
    await paymentStack.pay(virtualAccountNo=created["virtualAccountNo"], amount=16000)
    customerNo = str((await storedPayment(database, created["id"]))["customer_no"])
    await expireIn(database, created["id"], -2 * 3600)
    report = await reconciler(paymentStack, AlteredStatus(paymentStack.app.state.paymentGateway,
                                                          {customerNo: error})).execute()
    assert report.errors >= 1
    stored = await storedPayment(database, created["id"])
    assert stored["status"] == "pending"
    assert str(stored["flagged_reason"]).startswith("amount_mismatch")
    assert "payment.expired" not in await auditActions(database, created["id"])
