from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from KSysPayment.backend.application.cancelPayment import CancelPayment
from KSysPayment.backend.application.createPayment import CreatePayment
from KSysPayment.backend.application.createPaymentInput import CreatePaymentInput
from KSysPayment.backend.domain.gatewayTypes import VirtualAccount
from KSysPayment.backend.domain.paymentGatewayInterface import PaymentGatewayInterface
from KSysPayment.backend.domain.requestContext import RequestContext
from KSysPayment.tests.support.gatewayDouble import PaidWithout, RealGatewayExcept, StatusUnavailableAfter
from KSysPayment.tests.support.paymentQueries import auditActions, eventOutcomes, storedPayment
from KSysPayment.tests.support.paymentStack import Payer, PaymentStack
from shared.backend.database.engine import Database


class HeldAfterDelete(RealGatewayExcept):
    # The real gateway, except that the cancel's VA delete, once answered, waits for `resume` before the cancel
    # goes on to lock the payment.
    def __init__(self, real: PaymentGatewayInterface, deleted: asyncio.Event, resume: asyncio.Event) -> None:
        super().__init__(real)
        self.deleted = deleted
        self.resume = resume

    async def deleteVirtualAccount(self, **fields: str) -> None:
        try:
            await self.real.deleteVirtualAccount(**fields)
        finally:
            self.deleted.set()
            await self.resume.wait()


class CreatedAfterCancelDelete(RealGatewayExcept):
    # The real gateway, except that create-va starts the payment's cancel and reaches BRI only after the cancel's
    # delete was answered (BRI knew no VA yet).
    def __init__(self, real: PaymentGatewayInterface, startCancel: Callable[[uuid.UUID], Awaitable[None]],
                 deleted: asyncio.Event) -> None:
        super().__init__(real)
        self.startCancel = startCancel
        self.deleted = deleted

    async def createVirtualAccount(self, **fields: object) -> VirtualAccount:
        await self.startCancel(uuid.UUID(hex=str(fields["trxId"])))
        await self.deleted.wait()
        return await self.real.createVirtualAccount(**fields)


# The cancel asks BRI and deletes while create-va is still on its way (BRI knows no VA); the create stores BRI's
# answer while the payment is still pending, then the cancel takes the row: the VA made meanwhile is deleted too,
# so a cancelled payment never leaves a payable VA at BRI (VAs are not rechecked once closed). One paid meanwhile,
# its notification lost, is found by asking BRI and recorded late, flagged for a refund; when BRI's answer says paid
# without an amount (nothing to settle), or BRI cannot be asked after refusing the delete, the cancelled payment is
# flagged for an admin all the same.
@pytest.mark.parametrize("paidMeanwhile", [None, "reported", "unverified", "unavailable"],
                         ids=["unpaid", "paid meanwhile", "paid meanwhile, unverified", "paid meanwhile, BRI down"])
async def test_cancelCommittedAfterTheCreateStoredItsVaDeletesThatVa(
    paymentStack: PaymentStack, payer: Payer, database: Database, paidMeanwhile: str | None
) -> None:
    state = paymentStack.app.state
    context = RequestContext(requestId="cancel-after-store", ip="127.0.0.1")
    deleted, resume = asyncio.Event(), asyncio.Event()
    held = HeldAfterDelete(state.paymentGateway, deleted, resume)
    # The cancel's first status call (before the create-va) answers; the one after BRI refuses the delete fails.
    doubles = {"unverified": PaidWithout(held, "paidAmount"), "unavailable": StatusUnavailableAfter(held, 1)}
    canceller = CancelPayment(state.paymentUow, state.settlementRecords, doubles.get(str(paidMeanwhile), held),
                              timedelta(hours=24))
    cancels: list[asyncio.Task[object]] = []

    async def startCancel(paymentId: uuid.UUID) -> None:
        cancels.append(asyncio.create_task(canceller.execute(payer.id, paymentId, context)))

    gateway = CreatedAfterCancelDelete(state.paymentGateway, startCancel, deleted)
    create = CreatePayment(state.paymentUow, state.paymentStatements, state.paymentRecords, state.settlementRecords,
                           gateway, state.settings.payment, state.paymentCleanups.spawn)
    try:
        created = await create.execute(payer.id, secrets.token_hex(8),
                                       CreatePaymentInput(amount=15000, method="briva"), context)
        assert created.payment.status == "pending"
        if paidMeanwhile:
            await paymentStack.pay(virtualAccountNo=created.payment.virtualAccountNo, tamperSignature=True)
    finally:
        resume.set()
    [cancelled] = await asyncio.gather(*cancels)
    assert getattr(cancelled, "status", None) == "cancelled"
    paymentId = str(created.payment.id)
    assert (await storedPayment(database, paymentId))["status"] == "cancelled"
    actions = await auditActions(database, paymentId)
    if paidMeanwhile:
        reason = {"reported": "late_payment: paid while cancelled",
                  "unverified": "late_payment: paid while cancelled; paid_unverified: BRI reports paid without an "
                                "amount",
                  "unavailable": "late_payment: paid while cancelled; late_check_unverified: BRI refused to delete "
                                 "the paid VA, then could not be asked (gateway_unavailable)"}[paidMeanwhile]
        assert await eventOutcomes(database, paymentId) == (["late"] if paidMeanwhile == "reported" else [])
        assert (await storedPayment(database, paymentId))["flagged_reason"] == reason
        assert actions == ["payment.created", "payment.provisioned", "payment.cancelled", "payment.flagged"]
        return
    assert (await paymentStack.simulatorState())["virtualAccounts"] == [], "a cancelled payment's VA is payable"
    assert actions == ["payment.created", "payment.provisioned", "payment.cancelled"]


class CancelledThenPaidDuringCreate(RealGatewayExcept):
    # The real gateway, except that create-va lets the payment's cancel run first, and the customer pays the new VA
    # (BRI's notification lost) before BRI's answer reaches the create.
    def __init__(self, real: PaymentGatewayInterface, cancel: Callable[[uuid.UUID], Awaitable[object]],
                 pay: Callable[[str], Awaitable[object]]) -> None:
        super().__init__(real)
        self.cancel = cancel
        self.pay = pay

    async def createVirtualAccount(self, **fields: object) -> VirtualAccount:
        await self.cancel(uuid.UUID(hex=str(fields["trxId"])))
        made = await self.real.createVirtualAccount(**fields)
        await self.pay(made.virtualAccountNo)
        return made


# The create finds its payment cancelled and BRI refuses to delete the VA, paid meanwhile: the payment is asked
# about and recorded late, flagged for a refund, instead of the money staying at BRI unrecorded. BRI's answer
# without a paymentRequestId settles nothing (the notification keeps its key) but flags the payment all the same,
# as does BRI failing to answer at all (the refused delete is the evidence).
@pytest.mark.parametrize("answer", ["reported", "unverified", "unavailable"])
async def test_vaPaidWhileItsCancelledCreateRanIsRecordedLate(
    paymentStack: PaymentStack, payer: Payer, database: Database, answer: str
) -> None:
    state = paymentStack.app.state
    context = RequestContext(requestId="paid-after-cancel", ip="127.0.0.1")
    canceller = CancelPayment(state.paymentUow, state.settlementRecords, state.paymentGateway, timedelta(hours=24))
    gateway = CancelledThenPaidDuringCreate(
        state.paymentGateway, lambda paymentId: canceller.execute(payer.id, paymentId, context),
        lambda number: paymentStack.pay(virtualAccountNo=number, tamperSignature=True))
    doubles = {"unverified": PaidWithout(gateway, "paymentRequestId"),
               "unavailable": StatusUnavailableAfter(gateway, 0)}
    create = CreatePayment(state.paymentUow, state.paymentStatements, state.paymentRecords, state.settlementRecords,
                           doubles.get(answer, gateway), state.settings.payment, state.paymentCleanups.spawn)
    created = await create.execute(payer.id, secrets.token_hex(8),
                                   CreatePaymentInput(amount=15000, method="briva"), context)
    assert created.payment.status == "cancelled"
    paymentId = str(created.payment.id)
    assert await eventOutcomes(database, paymentId) == (["late"] if answer == "reported" else [])
    assert (await storedPayment(database, paymentId))["flagged_reason"] == "late_payment: paid while cancelled" + {
        "reported": "", "unverified": "; paid_unverified: BRI reports paid without a paymentRequestId",
        "unavailable": "; late_check_unverified: BRI refused to delete the paid VA, then could not be asked "
                       "(gateway_unavailable)"}[answer]
    actions = await auditActions(database, paymentId)
    assert actions == ["payment.created", "payment.cancelled", "payment.provisioned", "payment.flagged"]
