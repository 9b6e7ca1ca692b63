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
