from __future__ import annotations

import uuid

from KSysPayment.backend.application.closedPaymentReport import ClosedPaymentReport
from KSysPayment.backend.application.paymentPoll import UNPAID, PollResult, unverified
from KSysPayment.backend.application.settleNotification import SettleNotification
from KSysPayment.backend.domain.requestContext import RequestContext
from KSysPayment.tests.support.paymentQueries import auditActions, execute, storedPayment
from KSysPayment.tests.support.paymentStack import Payer, PaymentStack
from shared.backend.database.engine import Database

UNVERIFIED = unverified("an amount")
REASON = "late_payment: paid while cancelled; paid_unverified: BRI reports paid without an amount"
VA_DELETE_REFUSED = "va_delete_refused: BRI refused to delete the VA but reports it unpaid"


def closedReport(stack: PaymentStack) -> ClosedPaymentReport:
    state = stack.app.state
    return ClosedPaymentReport(state.paymentUow, SettleNotification(state.paymentUow, state.settlementRecords))


async def flagsOf(stack: PaymentStack, database: Database, paymentId: str) -> tuple[object, int]:
    async with stack.app.state.paymentUow() as uow:
        payment = await uow.payments.getById(uuid.UUID(paymentId))
    assert payment is not None
    assert await closedReport(stack).record(payment, UNVERIFIED, RequestContext(requestId="closed-report"))
    stored = await storedPayment(database, paymentId)
    return stored["flagged_reason"], (await auditActions(database, paymentId)).count("payment.flagged")


# A closed payment BRI says is paid without details is flagged once, however often BRI is asked; a pending one is left
# to reconciliation (which flags it once overdue and never expires it).
async def test_closedPaymentPaidUnverifiedIsFlaggedOnce(
    paymentStack: PaymentStack, payer: Payer, database: Database
) -> None:
    pending = (await paymentStack.create(payer)).json()
    assert await flagsOf(paymentStack, database, pending["id"]) == (None, 0)
    await execute(database, "UPDATE payments SET status = 'cancelled' WHERE id = :id", id=pending["id"])
    assert await flagsOf(paymentStack, database, pending["id"]) == (REASON, 1)
    assert await flagsOf(paymentStack, database, pending["id"]) == (REASON, 1)


# A closed payment already flagged late (BRI's report recorded) keeps that flag and an admin's resolution of it.
async def test_aLateFlagIsNotReplacedByAnUnverifiedAnswer(
    paymentStack: PaymentStack, payer: Payer, database: Database
) -> None:
    created = (await paymentStack.create(payer)).json()
    await execute(database, "UPDATE payments SET status = 'cancelled', flagged_reason = 'late_payment: paid while "
                  "cancelled', flag_resolved_at = now(), flag_resolved_by = :user, flag_resolution = 'refunded' "
                  "WHERE id = :id", id=created["id"], user=str(payer.id))
    assert await flagsOf(paymentStack, database, created["id"]) == ("late_payment: paid while cancelled", 0)
    assert (await storedPayment(database, created["id"]))["flag_resolution"] == "refunded"


async def answered(result: PollResult) -> PollResult:
    return result


async def refusedUnpaid(stack: PaymentStack, database: Database, paymentId: str) -> tuple[bool, object, int]:
    # BRI refused to delete the payment's VA, then answered unpaid: the report's answer, the flag and the flag count.
    async with stack.app.state.paymentUow() as uow:
        payment = await uow.payments.getById(uuid.UUID(paymentId))
    assert payment is not None
    late = await closedReport(stack).recordRefusedDelete(payment, answered(UNPAID), RequestContext(requestId="refused"))
    stored = await storedPayment(database, paymentId)
    return late, stored["flagged_reason"], (await auditActions(database, paymentId)).count("payment.flagged")


# A closed payment whose VA delete BRI refused while reporting it unpaid is flagged once for an admin (its VA can still
# be paid at BRI), and an admin's resolution stays when it happens again; a pending one is left to reconciliation.
async def test_aRefusedDeleteOfAnUnpaidVaFlagsTheClosedPaymentOnce(
    paymentStack: PaymentStack, payer: Payer, database: Database
) -> None:
    created = (await paymentStack.create(payer)).json()
    assert await refusedUnpaid(paymentStack, database, created["id"]) == (False, None, 0)
    await execute(database, "UPDATE payments SET status = 'expired' WHERE id = :id", id=created["id"])
    assert await refusedUnpaid(paymentStack, database, created["id"]) == (False, VA_DELETE_REFUSED, 1)
    await execute(database, "UPDATE payments SET flag_resolved_at = now(), flag_resolved_by = :user, "
                  "flag_resolution = 'VA closed in BRI portal' WHERE id = :id", id=created["id"], user=str(payer.id))
    assert await refusedUnpaid(paymentStack, database, created["id"]) == (False, VA_DELETE_REFUSED, 1)
    assert (await storedPayment(database, created["id"]))["flag_resolution"] == "VA closed in BRI portal"


# A late flag (BRI's report of a payment recorded) is not replaced by a later refusal BRI calls unpaid.
async def test_aRefusedDeleteOfAnUnpaidVaKeepsALateFlag(
    paymentStack: PaymentStack, payer: Payer, database: Database
) -> None:
    created = (await paymentStack.create(payer)).json()
    await execute(database, "UPDATE payments SET status = 'cancelled', flagged_reason = 'late_payment: paid while "
                  "cancelled' WHERE id = :id", id=created["id"])
    assert await refusedUnpaid(paymentStack, database, created["id"]) == (
        False, "late_payment: paid while cancelled", 0)
