from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable

from sqlalchemy import text

from KSysPayment.backend.application.reconcilePayments import ReconcilePayments
from KSysPayment.backend.infrastructure.background.reconcileLoop import reconcileTask, runPass
from KSysPayment.backend.infrastructure.database.reconcileLock import RECONCILE_LOCK_KEY
from KSysPayment.backend.infrastructure.http.paymentService import createPaymentService
from KSysPayment.tests.support.briSender import VA_NOTIFY, BriSender, vaBody
from KSysPayment.tests.support.paymentQueries import auditActions, eventOutcomes, execute, storedPayment
from KSysPayment.tests.support.paymentStack import Payer, PaymentStack
from shared.backend.appFactory import createApp
from shared.backend.config.settings import PaymentSettings
from shared.backend.database.engine import Database
from tests.support.inProcess import runningApp


def reconciler(stack: PaymentStack) -> ReconcilePayments:
    state = stack.app.state
    return ReconcilePayments(state.paymentUow, state.settlementRecords, state.paymentGateway)


async def expireIn(database: Database, paymentId: str, seconds: int) -> None:
    await execute(database, "UPDATE payments SET expires_at = now() + make_interval(secs => :s) WHERE id = :id",
                  s=seconds, id=paymentId)


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
