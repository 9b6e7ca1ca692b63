from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from KSysPayment.backend.application.reconcilePayments import ReconcilePayments
from KSysPayment.backend.domain.exceptions.gatewayErrors import GatewayUnavailableError
from KSysPayment.backend.domain.gatewayTypes import GatewayPaymentState, QrisPaymentStatus
from KSysPayment.backend.domain.paymentGatewayInterface import PaymentGatewayInterface
from KSysPayment.tests.support.briSender import QRIS_NOTIFY, BriSender, qrisBody
from KSysPayment.tests.support.gatewayDouble import RealGatewayExcept
from KSysPayment.tests.support.paymentQueries import auditActions, eventOutcomes, execute, storedPayment
from KSysPayment.tests.support.paymentStack import PREFIX, Payer, PaymentStack
from shared.backend.database.engine import Database

WINDOW = timedelta(hours=24)


def reconciler(stack: PaymentStack, gateway: PaymentGatewayInterface | None = None,
               window: timedelta = WINDOW) -> ReconcilePayments:
    state = stack.app.state
    return ReconcilePayments(state.paymentUow, state.settlementRecords, gateway or state.paymentGateway, window)


class UnreachableQuery(RealGatewayExcept):
    # The real gateway, except that BRI's QRIS query cannot be reached.
    async def queryQris(self, *, referenceNo: str) -> QrisPaymentStatus:
        raise GatewayUnavailableError("BRI is down")


async def cancel(stack: PaymentStack, payer: Payer, paymentId: str) -> None:
    response = await stack.http.post(f"{stack.appUrl}{PREFIX}/payments/{paymentId}/cancel", headers=payer.headers)
    assert response.status_code == 200, response.text


async def recheckAt(database: Database, paymentId: str) -> datetime | None:
    value = (await storedPayment(database, paymentId))["recheck_at"]
    assert value is None or isinstance(value, datetime)
    return value


# The recheck due now; the QR created `age` ago, expired `expiredFor` ago when given.
async def makeDue(database: Database, paymentId: str, age: timedelta | None = None,
                  expiredFor: timedelta | None = None) -> None:
    await execute(database, "UPDATE payments SET recheck_at = now() - interval '1 second' WHERE id = :id",
                  id=paymentId)
    if age is not None:
        await execute(database, "UPDATE payments SET created_at = now() - make_interval(secs => :s) WHERE id = :id",
                      s=age.total_seconds(), id=paymentId)
    if expiredFor is not None:
        await execute(database, "UPDATE payments SET expires_at = now() - make_interval(secs => :s) WHERE id = :id",
                      s=expiredFor.total_seconds(), id=paymentId)


def near(value: datetime | None, expected: timedelta, slack: timedelta = timedelta(minutes=1)) -> bool:
    return value is not None and abs(value - (datetime.now(UTC) + expected)) < slack


async def test_cancelledQrPaidWithItsNotificationLostIsFoundByTheRecheck(
    paymentStack: PaymentStack, payer: Payer, database: Database, briSender: BriSender
) -> None:
    created = (await paymentStack.create(payer, amount=20000, method="qris")).json()
    await cancel(paymentStack, payer, created["id"])
    assert near(await recheckAt(database, created["id"]), timedelta(minutes=5))
    stored = await storedPayment(database, created["id"])
    # The customer pays the QR still in hand; BRI's notification is lost (our endpoint refuses the token).
    await paymentStack.pay(partnerReferenceNo=stored["partner_reference_no"], tamperToken=True)
    await reconciler(paymentStack).execute()
    assert await eventOutcomes(database, created["id"]) == []  # not due yet
    await makeDue(database, created["id"])
    report = await reconciler(paymentStack).execute()
    assert (report.rechecked >= 1, report.late >= 1) == (True, True)
    after = await storedPayment(database, created["id"])
    assert after["status"] == "cancelled"
    assert str(after["flagged_reason"]).startswith("late_payment: paid while cancelled")
    assert after["recheck_at"] is None
    assert await eventOutcomes(database, created["id"]) == ["late"]
    assert (await auditActions(database, created["id"]))[-1] == "payment.flagged"
    # BRI's notification arriving after all is the same payment: recorded once.
    body = qrisBody(str(after["bri_reference_no"]), str(after["partner_reference_no"]), 20000)
    assert (await briSender.notify(QRIS_NOTIFY, body)).json()["responseCode"] == "2005200"
    assert await eventOutcomes(database, created["id"]) == ["late"]


async def test_lateNotificationEndsTheRecheck(
    paymentStack: PaymentStack, payer: Payer, database: Database, briSender: BriSender
) -> None:
    created = (await paymentStack.create(payer, amount=20000, method="qris")).json()
    await cancel(paymentStack, payer, created["id"])
    stored = await storedPayment(database, created["id"])
    body = qrisBody(str(stored["bri_reference_no"]), str(stored["partner_reference_no"]), 20000)
    assert (await briSender.notify(QRIS_NOTIFY, body)).json()["responseCode"] == "2005200"
    after = await storedPayment(database, created["id"])
    assert (after["recheck_at"], await eventOutcomes(database, created["id"])) == (None, ["late"])


async def test_expiredQrIsAskedAboutWithGrowingWaitsUntilTheWindowEnds(
    paymentStack: PaymentStack, payer: Payer, database: Database
) -> None:
    qr = (await paymentStack.create(payer, method="qris")).json()
    va = (await paymentStack.create(payer)).json()
    for paymentId in (qr["id"], va["id"]):
        await execute(database, "UPDATE payments SET expires_at = now() - interval '5 seconds' WHERE id = :id",
                      id=paymentId)
    await reconciler(paymentStack).execute()
    assert (await storedPayment(database, qr["id"]))["status"] == "expired"
    assert near(await recheckAt(database, qr["id"]), timedelta(minutes=5))
    assert await recheckAt(database, va["id"]) is None  # a deleted VA cannot be paid
    # Unpaid at BRI: asked again after a wait as long as the QR's age (at least 5 minutes, at most 6 hours), the
    # last time 24 hours after its expiry.
    for age, wait in ((timedelta(minutes=1), timedelta(minutes=5)), (timedelta(hours=2), timedelta(hours=2)),
                      (timedelta(hours=12), timedelta(hours=6))):
        await makeDue(database, qr["id"], age)
        await reconciler(paymentStack).execute()
        assert near(await recheckAt(database, qr["id"]), wait), (age, wait)
    await makeDue(database, qr["id"], timedelta(hours=25), timedelta(hours=23, minutes=50))
    await reconciler(paymentStack).execute()
    assert near(await recheckAt(database, qr["id"]), timedelta(minutes=10))
    await makeDue(database, qr["id"], expiredFor=timedelta(hours=24, seconds=1))
    await reconciler(paymentStack).execute()
    after = await storedPayment(database, qr["id"])
    assert (after["status"], after["recheck_at"], after["flagged_reason"]) == ("expired", None, None)
    assert await eventOutcomes(database, qr["id"]) == []


async def test_failedLastAskIsFlaggedNotDropped(paymentStack: PaymentStack, payer: Payer, database: Database) -> None:
    created = (await paymentStack.create(payer, method="qris")).json()
    await cancel(paymentStack, payer, created["id"])
    await makeDue(database, created["id"], expiredFor=timedelta(hours=24, seconds=1))
    await reconciler(paymentStack, UnreachableQuery(paymentStack.app.state.paymentGateway)).execute()
    after = await storedPayment(database, created["id"])
    assert after["recheck_at"] is None
    assert after["flagged_reason"] == "late_check_unverified: BRI could not be asked (gateway_unavailable)"
    assert (await auditActions(database, created["id"]))[-1] == "payment.flagged"


class BrokenQuery(UnreachableQuery):
    async def queryQris(self, *, referenceNo: str) -> QrisPaymentStatus:
        raise RuntimeError("a bug")


# BRI unreachable, or a bug of ours: either way the QR is asked about again later, on the same schedule.
@pytest.mark.parametrize("failing", [UnreachableQuery, BrokenQuery], ids=["bri-unreachable", "unexpected-error"])
async def test_failedAskKeepsTheSchedule(paymentStack: PaymentStack, payer: Payer, database: Database,
                                         failing: type[UnreachableQuery]) -> None:
    created = (await paymentStack.create(payer, method="qris")).json()
    await cancel(paymentStack, payer, created["id"])
    await makeDue(database, created["id"], timedelta(hours=1))
    report = await reconciler(paymentStack, failing(paymentStack.app.state.paymentGateway)).execute()
    assert report.errors >= 1
    after = await storedPayment(database, created["id"])
    assert near(after["recheck_at"], timedelta(hours=1))  # type: ignore[arg-type]
    assert (after["status"], after["flagged_reason"]) == ("cancelled", None)


async def test_zeroWindowWatchesNothing(paymentStack: PaymentStack, payer: Payer, database: Database) -> None:
    created = (await paymentStack.create(payer, method="qris")).json()
    await execute(database, "UPDATE payments SET expires_at = now() - interval '5 seconds' WHERE id = :id",
                  id=created["id"])
    await reconciler(paymentStack, window=timedelta(0)).execute()
    after = await storedPayment(database, created["id"])
    assert (after["status"], after["recheck_at"]) == ("expired", None)


class PaidWithoutAmount(UnreachableQuery):
    async def queryQris(self, *, referenceNo: str) -> QrisPaymentStatus:
        answer = await self.real.queryQris(referenceNo=referenceNo)
        return dataclasses.replace(answer, state=GatewayPaymentState.PAID, amount=None)


async def test_recheckAnsweredPaidWithoutAmountIsFlaggedAndEnds(
    paymentStack: PaymentStack, payer: Payer, database: Database
) -> None:
    created = (await paymentStack.create(payer, method="qris")).json()
    await cancel(paymentStack, payer, created["id"])
    await makeDue(database, created["id"])
    await reconciler(paymentStack, PaidWithoutAmount(paymentStack.app.state.paymentGateway)).execute()
    after = await storedPayment(database, created["id"])
    assert after["flagged_reason"] == (
        "late_payment: paid while cancelled; paid_unverified: BRI reports paid without an amount")
    assert (after["status"], after["recheck_at"]) == ("cancelled", None)
    assert await eventOutcomes(database, created["id"]) == []
    assert (await auditActions(database, created["id"]))[-1] == "payment.flagged"
