from __future__ import annotations

import secrets

from KSysPayment.tests.support.briSender import QRIS_NOTIFY, VA_NOTIFY, BriSender, qrisBody, vaBody
from KSysPayment.tests.support.paymentQueries import auditActions, eventOutcomes, storedPayment
from KSysPayment.tests.support.paymentStack import Payer, PaymentStack
from shared.backend.database.engine import Database


def requestId() -> str:
    return str(10**15 + secrets.randbelow(10**15))


async def test_qrisReportWithOnlyBriReferenceSettlesInTheLockedTransaction(
    paymentStack: PaymentStack, payer: Payer, database: Database, briSender: BriSender
) -> None:
    created = (await paymentStack.create(payer, amount=20000, method="qris")).json()
    stored = await storedPayment(database, created["id"])
    body = qrisBody(str(stored["bri_reference_no"]), "unused", 20000)
    del body["originalPartnerReferenceNo"]  # no partner reference: the one-statement settlement is skipped
    reply = await briSender.notify(QRIS_NOTIFY, body)
    assert (reply.status_code, reply.json()["responseCode"]) == (200, "2005200")
    after = await storedPayment(database, created["id"])
    assert (after["status"], after["flagged_reason"]) == ("paid", None)
    assert after["paid_at"] is not None
    assert after["updated_at"] >= after["paid_at"]  # type: ignore[operator]
    assert (await paymentStack.get(payer, created["id"])).json()["paidAt"] is not None
    assert await eventOutcomes(database, created["id"]) == ["settled"]
    actions = await auditActions(database, created["id"])
    assert actions == ["payment.created", "payment.provisioned", "payment.paid"]


async def test_overpaymentIsFlaggedNotPaid(
    paymentStack: PaymentStack, payer: Payer, database: Database, briSender: BriSender
) -> None:
    created = (await paymentStack.create(payer, amount=15000)).json()
    stored = await storedPayment(database, created["id"])
    reply = await briSender.notify(VA_NOTIFY, vaBody(str(stored["virtual_account_no"]), 16000, requestId()))
    assert reply.status_code == 200, reply.text
    after = await storedPayment(database, created["id"])
    assert (after["status"], after["paid_at"]) == ("pending", None)
    assert after["flagged_reason"] == "amount_mismatch: expected 15000 IDR, BRI reported 16000 IDR"
    assert await eventOutcomes(database, created["id"]) == ["amount_mismatch"]
    assert "payment.paid" not in await auditActions(database, created["id"])


async def test_qrisReportWithAnotherBriReferenceIsAReferenceMismatch(
    paymentStack: PaymentStack, payer: Payer, database: Database, briSender: BriSender
) -> None:
    created = (await paymentStack.create(payer, amount=20000, method="qris")).json()
    stored = await storedPayment(database, created["id"])
    body = qrisBody(f"OTHER{secrets.token_hex(6)}", str(stored["partner_reference_no"]), 20000)
    reply = await briSender.notify(QRIS_NOTIFY, body)
    assert reply.status_code == 200, reply.text
    after = await storedPayment(database, created["id"])
    assert (after["status"], after["paid_at"]) == ("pending", None)
    assert str(after["flagged_reason"]).startswith("reference_mismatch")
    assert await eventOutcomes(database, created["id"]) == ["reference_mismatch"]
    assert (await auditActions(database, created["id"]))[-1] == "payment.flagged"


# A signed paid report pairs QR A's partner reference with QR B's BRI reference: A is flagged, and the event is kept
# under a key of A's own, so B's true report (and reconciliation's queries of B) still settles B. Stored under B's key
# qris:{R_B}, it left B pending and unflagged for ever, every report of it a duplicate.
async def test_aReferenceMismatchDoesNotBlockThePaymentWhoseReferenceItCarries(
    paymentStack: PaymentStack, payer: Payer, database: Database, briSender: BriSender
) -> None:
    first = (await paymentStack.create(payer, amount=20000, method="qris")).json()
    second = (await paymentStack.create(payer, amount=20000, method="qris")).json()
    paymentA, paymentB = await storedPayment(database, first["id"]), await storedPayment(database, second["id"])
    mismatched = qrisBody(str(paymentB["bri_reference_no"]), str(paymentA["partner_reference_no"]), 20000)
    reply = await briSender.notify(QRIS_NOTIFY, mismatched)
    assert reply.status_code == 200, reply.text
    reply = await briSender.notify(QRIS_NOTIFY, qrisBody(str(paymentB["bri_reference_no"]),
                                                         str(paymentB["partner_reference_no"]), 20000))
    assert (reply.status_code, reply.json()["responseCode"]) == (200, "2005200")
    afterA, afterB = await storedPayment(database, first["id"]), await storedPayment(database, second["id"])
    assert (afterA["status"], afterA["flagged_reason"]) == ("pending", "reference_mismatch: qris_notify does not match")
    assert (afterB["status"], afterB["flagged_reason"]) == ("paid", None)
    assert await eventOutcomes(database, first["id"]) == ["reference_mismatch"]
    assert await eventOutcomes(database, second["id"]) == ["settled"]
    reply = await briSender.notify(QRIS_NOTIFY, mismatched)  # BRI's retry of the mismatched report: a duplicate
    assert reply.status_code == 200, reply.text
    assert await eventOutcomes(database, first["id"]) == ["reference_mismatch"]
    assert (await auditActions(database, first["id"])).count("payment.flagged") == 1


async def test_qrisReportForABrivaPaymentIsAReferenceMismatch(
    paymentStack: PaymentStack, payer: Payer, database: Database, briSender: BriSender
) -> None:
    created = (await paymentStack.create(payer, amount=15000)).json()
    stored = await storedPayment(database, created["id"])
    assert stored["bri_reference_no"] is None
    body = qrisBody(f"QR{secrets.token_hex(6)}", str(stored["partner_reference_no"]), 15000)
    reply = await briSender.notify(QRIS_NOTIFY, body)
    assert reply.status_code == 200, reply.text
    after = await storedPayment(database, created["id"])
    assert (after["status"], after["paid_at"]) == ("pending", None)
    assert after["flagged_reason"] == "reference_mismatch: qris_notify does not match"
    assert await eventOutcomes(database, created["id"]) == ["reference_mismatch"]
    assert "payment.paid" not in await auditActions(database, created["id"])


async def test_secondPaidReportOfAPaidPaymentIsAlreadyPaid(
    paymentStack: PaymentStack, payer: Payer, database: Database, briSender: BriSender
) -> None:
    created = (await paymentStack.create(payer, amount=15000)).json()
    account = str((await storedPayment(database, created["id"]))["virtual_account_no"])
    first = await briSender.notify(VA_NOTIFY, vaBody(account, 15000, requestId()))
    assert first.status_code == 200, first.text
    second = await briSender.notify(VA_NOTIFY, vaBody(account, 15000, requestId()))
    assert second.status_code == 200, second.text
    after = await storedPayment(database, created["id"])
    assert after["status"] == "paid"
    assert after["flagged_reason"] == "already_paid: a second payment was reported"
    assert await eventOutcomes(database, created["id"]) == ["settled", "already_paid"]
    actions = await auditActions(database, created["id"])
    assert (actions.count("payment.paid"), actions[-1]) == (1, "payment.flagged")
