from __future__ import annotations

from KSysPayment.backend.domain.exceptions.gatewayErrors import GatewayRejectedError
from KSysPayment.tests.support.paymentQueries import execute, storedPayment
from KSysPayment.tests.support.paymentStack import PREFIX, Payer, PaymentStack
from KSysPayment.tests.support.reconcileSupport import AlteredStatus, overdueUnnotifiedPayment, reconciler
from shared.backend.database.engine import Database

RESOLUTION = ("flag_resolved_at", "flag_resolved_by", "flag_resolution")


# What an admin's resolution leaves on the row (KSysAdmin's POST /payments/{id}/flag/resolve).
async def resolveFlag(database: Database, paymentId: str, payer: Payer, reason: str | None = None) -> None:
    await execute(database, "UPDATE payments SET flagged_reason = coalesce(:reason, flagged_reason), "
                  "flag_resolved_at = now(), flag_resolved_by = :by, flag_resolution = 'checked at BRI' "
                  "WHERE id = :id", reason=reason, by=payer.id, id=paymentId)


# An admin resolved the payment's flag; then BRI reports the cancelled QR paid: the new flag is open again, for
# the Flagged list to show.
async def test_aLatePaymentReopensAResolvedFlag(paymentStack: PaymentStack, payer: Payer, database: Database) -> None:
    created = (await paymentStack.create(payer, method="qris")).json()
    cancel = await paymentStack.http.post(f"{paymentStack.appUrl}{PREFIX}/payments/{created['id']}/cancel",
                                          headers=payer.headers)
    assert cancel.status_code == 200
    await resolveFlag(database, created["id"], payer, "late_check_unverified: BRI could not be asked (x)")
    before = await storedPayment(database, created["id"])
    await paymentStack.pay(partnerReferenceNo=before["partner_reference_no"])
    after = await storedPayment(database, created["id"])
    assert str(after["flagged_reason"]).startswith("late_payment")
    assert [after[name] for name in RESOLUTION] == [None, None, None]
    assert after["updated_at"] > before["updated_at"]


# Reconciliation flags a payment only when its reason is new: the same reason again, or a poll BRI refuses (which
# never expires a flagged payment), keeps the admin's resolution; another one (BRI now reports another currency)
# reopens it.
async def test_reconciliationReopensOnlyOnANewReason(
    paymentStack: PaymentStack, payer: Payer, database: Database
) -> None:
    paymentId, customerNo = await overdueUnnotifiedPayment(paymentStack, payer, database)
    unverified = AlteredStatus(paymentStack.app.state.paymentGateway, {customerNo: {"paidAmount": None}})
    await reconciler(paymentStack, unverified).execute()
    assert str((await storedPayment(database, paymentId))["flagged_reason"]).startswith("paid_unverified")
    await resolveFlag(database, paymentId, payer)
    resolved = await storedPayment(database, paymentId)
    await reconciler(paymentStack, unverified).execute()
    assert await storedPayment(database, paymentId) == resolved
    refused = AlteredStatus(paymentStack.app.state.paymentGateway, {customerNo: GatewayRejectedError("4002601")})
    await reconciler(paymentStack, refused).execute()
    assert await storedPayment(database, paymentId) == resolved
    otherCurrency = AlteredStatus(paymentStack.app.state.paymentGateway, {customerNo: {"currency": "USD"}})
    await reconciler(paymentStack, otherCurrency).execute()
    after = await storedPayment(database, paymentId)
    assert after["status"] == "pending"
    assert str(after["flagged_reason"]).startswith("amount_mismatch")
    assert [after[name] for name in RESOLUTION] == [None, None, None]
