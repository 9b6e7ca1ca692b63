from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from KSysPayment.backend.domain.exceptions.gatewayErrors import GatewayConflictError
from KSysPayment.backend.domain.gatewayTypes import VirtualAccountPaymentStatus
from KSysPayment.backend.domain.paymentGatewayInterface import PaymentGatewayInterface
from KSysPayment.tests.support.briSender import VA_NOTIFY, BriSender, vaBody
from KSysPayment.tests.support.gatewayDouble import (
    DeleteRaises,
    PaidWithout,
    RealGatewayExcept,
    StatusUnavailableAfter,
)
from KSysPayment.tests.support.paymentQueries import auditActions, eventOutcomes, storedPayment
from KSysPayment.tests.support.paymentStack import Payer, PaymentStack
from KSysPayment.tests.support.reconcileSupport import expireIn, reconciler
from shared.backend.database.engine import Database


class PaidAfterStatus(RealGatewayExcept):
    # The real gateway, except that the customer pays (and BRI notifies us) just after BRI answered the first status
    # poll of the test's VA (the pass also polls other tests' overdue payments left in the shared database).
    def __init__(self, real: PaymentGatewayInterface, virtualAccountNo: str,
                 pay: Callable[[], Awaitable[object]]) -> None:
        super().__init__(real)
        self.virtualAccountNo = virtualAccountNo
        self.pay = pay
        self.paid = False

    async def virtualAccountStatus(self, *, customerNo: str, inquiryRequestId: str) -> VirtualAccountPaymentStatus:
        answer = await self.real.virtualAccountStatus(customerNo=customerNo, inquiryRequestId=inquiryRequestId)
        if not self.paid and answer.virtualAccountNo.replace(" ", "") == self.virtualAccountNo.replace(" ", ""):
            self.paid = True
            await self.pay()
        return answer


# The poll of an overdue payment answers unpaid, then BRI reports it paid with another amount before the pass takes
# the row: the payment BRI took money for is left pending with its flag (as when the poll itself reports it), not
# expired on the poll's older answer.
async def test_aPaymentFlaggedAfterItsPollIsNotExpired(
    paymentStack: PaymentStack, payer: Payer, database: Database
) -> None:
    created = (await paymentStack.create(payer, amount=15000)).json()
    await expireIn(database, created["id"], -5)
    gateway = PaidAfterStatus(paymentStack.app.state.paymentGateway, created["virtualAccountNo"],
                              lambda: paymentStack.pay(virtualAccountNo=created["virtualAccountNo"], amount=16000))
    await reconciler(paymentStack, gateway).execute()
    stored = await storedPayment(database, created["id"])
    assert (stored["status"], stored["flagged_reason"]) == (
        "pending", "amount_mismatch: expected 15000 IDR, BRI reported 16000 IDR")
    assert await eventOutcomes(database, created["id"]) == ["amount_mismatch"]
    assert "payment.expired" not in await auditActions(database, created["id"])
    assert len((await paymentStack.simulatorState())["virtualAccounts"]) == 1  # type: ignore[arg-type]


# The poll of an overdue VA answers unpaid, then the customer pays it (BRI's clock behind ours: BRI still took it) and
# BRI's notification is lost: BRI refuses the expired payment's VA delete, so the pass asks again and records the
# payment late, flagged for a refund, as a create's or a cancel's cleanup does; the refusal was only logged.
async def test_aVaPaidBeforeTheExpiredPaymentsDeleteIsRecordedLate(
    paymentStack: PaymentStack, payer: Payer, database: Database
) -> None:
    created = (await paymentStack.create(payer, amount=15000)).json()
    await expireIn(database, created["id"], -5)
    vaNo = created["virtualAccountNo"]
    gateway = PaidAfterStatus(paymentStack.app.state.paymentGateway, vaNo,
                              lambda: paymentStack.pay(virtualAccountNo=vaNo, tamperSignature=True))
    report = await reconciler(paymentStack, gateway).execute()
    assert report.late >= 1  # the pass's log counts it (other tests' payments may add to it)
    stored = await storedPayment(database, created["id"])
    assert (stored["status"], stored["flagged_reason"]) == ("expired", "late_payment: paid while expired")
    assert await eventOutcomes(database, created["id"]) == ["late"]
    assert (await auditActions(database, created["id"]))[-2:] == ["payment.expired", "payment.flagged"]


# As above, but BRI's answer to the pass's second poll says paid without an amount or paymentRequestId: nothing can be
# settled from it (BRI's notification keeps its own key), so the expired payment is flagged for an admin; it was only
# logged, leaving the money at BRI with nothing on our books once the notification is lost. A notification arriving
# after all is still recorded late.
@pytest.mark.parametrize(("missing", "what"), [("paidAmount", "an amount"), ("paymentRequestId", "a paymentRequestId")])
async def test_aVaPaidUnverifiedBeforeTheExpiredPaymentsDeleteIsFlagged(
    paymentStack: PaymentStack, payer: Payer, database: Database, briSender: BriSender, missing: str, what: str
) -> None:
    created = (await paymentStack.create(payer, amount=15000)).json()
    await expireIn(database, created["id"], -5)
    paid: dict[str, object] = {}

    async def pay() -> None:
        paid.update(await paymentStack.pay(virtualAccountNo=created["virtualAccountNo"], tamperSignature=True))

    paidAfter = PaidAfterStatus(paymentStack.app.state.paymentGateway, created["virtualAccountNo"], pay)
    gateway = PaidWithout(paidAfter, missing)
    report = await reconciler(paymentStack, gateway).execute()
    assert report.late >= 1
    stored = await storedPayment(database, created["id"])
    assert (stored["status"], stored["flagged_reason"]) == (
        "expired", f"late_payment: paid while expired; paid_unverified: BRI reports paid without {what}")
    assert await eventOutcomes(database, created["id"]) == []
    assert (await auditActions(database, created["id"]))[-2:] == ["payment.expired", "payment.flagged"]
    body = vaBody(str(stored["virtual_account_no"]), 15000, str(paid["paymentRequestId"]))
    reply = await briSender.notify(VA_NOTIFY, body)
    assert reply.json()["responseCode"] == "2003400"
    stored = await storedPayment(database, created["id"])
    assert (stored["status"], stored["flagged_reason"]) == ("expired", "late_payment: paid while expired")
    assert await eventOutcomes(database, created["id"]) == ["late"]


# As above, but BRI's answer to the pass's second poll never comes (503 through the client's tries): BRI's refusal to
# delete the VA is the evidence of the payment, so the expired payment is flagged for an admin to check at BRI. It was
# only logged, leaving the money at BRI with no flag once the notification is lost.
async def test_aVaPaidBeforeTheExpiredPaymentsDeleteIsFlaggedWhenBriCannotBeAsked(
    paymentStack: PaymentStack, payer: Payer, database: Database
) -> None:
    created = (await paymentStack.create(payer, amount=15000)).json()
    await expireIn(database, created["id"], -5)
    vaNo = created["virtualAccountNo"]
    customerNo = str((await storedPayment(database, created["id"]))["customer_no"])
    paidAfter = PaidAfterStatus(paymentStack.app.state.paymentGateway, vaNo,
                                lambda: paymentStack.pay(virtualAccountNo=vaNo, tamperSignature=True))
    report = await reconciler(paymentStack, StatusUnavailableAfter(paidAfter, 1, customerNo)).execute()
    assert report.late >= 1
    stored = await storedPayment(database, created["id"])
    assert (stored["status"], stored["flagged_reason"]) == (
        "expired", "late_payment: paid while expired; late_check_unverified: BRI refused to delete the paid VA, then "
                   "could not be asked (gateway_unavailable)")
    assert await eventOutcomes(database, created["id"]) == []
    assert (await auditActions(database, created["id"]))[-2:] == ["payment.expired", "payment.flagged"]


# BRI refuses to delete an expired payment's VA (409, as for a paid one) but its status answers unpaid: the VA is still
# payable at BRI and nothing on our books says so, so the expired payment is flagged for an admin. It was only logged.
async def test_anExpiredVaWhoseDeleteBriRefusesButReportsUnpaidIsFlagged(
    paymentStack: PaymentStack, payer: Payer, database: Database
) -> None:
    created = (await paymentStack.create(payer, amount=15000)).json()
    await expireIn(database, created["id"], -5)
    customerNo = str((await storedPayment(database, created["id"]))["customer_no"])
    refused = GatewayConflictError("4093101", "Conflict [virtual account already paid]")
    await reconciler(paymentStack, DeleteRaises(paymentStack.app.state.paymentGateway, customerNo, refused)).execute()
    stored = await storedPayment(database, created["id"])
    assert (stored["status"], str(stored["flagged_reason"]).split(":")[0]) == ("expired", "va_delete_refused")
    assert await eventOutcomes(database, created["id"]) == []
    assert (await auditActions(database, created["id"]))[-2:] == ["payment.expired", "payment.flagged"]
