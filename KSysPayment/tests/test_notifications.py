from __future__ import annotations

import asyncio
import secrets

import pytest

from KSysPayment.tests.support.briSender import QRIS_NOTIFY, VA_NOTIFY, BriSender, qrisBody, vaBody
from KSysPayment.tests.support.paymentQueries import (
    auditActions,
    auditRowsOf,
    eventOutcomes,
    execute,
    storedPayment,
)
from KSysPayment.tests.support.paymentStack import CLIENT_ID, PREFIX, Payer, PaymentStack
from shared.backend.database.engine import Database


def notificationsOf(result: dict[str, object]) -> list[dict[str, object]]:
    notifications = result["notifications"]
    assert isinstance(notifications, list)
    return notifications


async def test_brivaFullFlow(paymentStack: PaymentStack, payer: Payer, database: Database) -> None:
    created = (await paymentStack.create(payer, amount=25000)).json()
    result = await paymentStack.pay(virtualAccountNo=created["virtualAccountNo"])
    assert result["token"] == {"status": 200}
    [reply] = notificationsOf(result)
    assert reply["status"] == 200
    assert reply["body"]["responseCode"] == "2003400"  # type: ignore[index]
    paid = (await paymentStack.get(payer, created["id"])).json()
    assert paid["status"] == "paid"
    assert paid["paidAt"] is not None
    assert await eventOutcomes(database, created["id"]) == ["settled"]
    assert await auditActions(database, created["id"]) == ["payment.created", "payment.provisioned", "payment.paid"]


async def test_qrisFullFlow(paymentStack: PaymentStack, payer: Payer, database: Database) -> None:
    created = (await paymentStack.create(payer, amount=30000, method="qris")).json()
    stored = await storedPayment(database, created["id"])
    result = await paymentStack.pay(partnerReferenceNo=stored["partner_reference_no"])
    [reply] = notificationsOf(result)
    assert reply["status"] == 200
    assert reply["body"]["responseCode"] == "2005200"  # type: ignore[index]
    assert (await paymentStack.get(payer, created["id"])).json()["status"] == "paid"
    assert await auditActions(database, created["id"]) == ["payment.created", "payment.provisioned", "payment.paid"]


async def test_duplicateNotificationsCreditOnce(paymentStack: PaymentStack, payer: Payer, database: Database) -> None:
    created = (await paymentStack.create(payer)).json()
    result = await paymentStack.pay(virtualAccountNo=created["virtualAccountNo"], duplicate=4)
    replies = notificationsOf(result)
    assert [r["status"] for r in replies] == [200] * 4
    assert {r["body"]["responseCode"] for r in replies} == {"2003400"}  # type: ignore[index]
    assert await eventOutcomes(database, created["id"]) == ["settled"]
    assert (await auditActions(database, created["id"])).count("payment.paid") == 1


async def test_concurrentDuplicatesCreditOnce(
    paymentStack: PaymentStack, payer: Payer, database: Database, briSender: BriSender
) -> None:
    created = (await paymentStack.create(payer)).json()
    stored = await storedPayment(database, created["id"])
    body = vaBody(str(stored["virtual_account_no"]), 15000, "7000000000000001")
    token = await briSender.accessToken()
    replies = await asyncio.gather(*(briSender.notify(VA_NOTIFY, body, token=token) for _ in range(10)))
    assert [r.status_code for r in replies] == [200] * 10
    assert await eventOutcomes(database, created["id"]) == ["settled"]


async def test_forgedNotificationsAreRefused(
    paymentStack: PaymentStack, payer: Payer, database: Database, briSender: BriSender
) -> None:
    created = (await paymentStack.create(payer)).json()
    badSignature = await paymentStack.pay(virtualAccountNo=created["virtualAccountNo"], tamperSignature=True)
    [reply] = notificationsOf(badSignature)
    assert reply["status"] == 401
    assert reply["body"]["responseCode"] == "4013400"  # type: ignore[index]
    stored = await storedPayment(database, created["id"])
    body = vaBody(str(stored["virtual_account_no"]), 15000, "7000000000000002")
    badToken = await briSender.notify(VA_NOTIFY, body, token="not-a-token-we-issued")
    assert badToken.status_code == 401
    assert badToken.json()["responseCode"] == "4013401"
    wrongSecret = await briSender.notify(VA_NOTIFY, body, secret="guessed-secret")
    assert wrongSecret.json()["responseCode"] == "4013400"
    forgedToken = await briSender.token(clientId="someone-else")
    assert forgedToken.status_code == 401
    assert forgedToken.json()["responseCode"] == "4017300"
    assert (await paymentStack.get(payer, created["id"])).json()["status"] == "pending"
    assert await eventOutcomes(database, created["id"]) == []
    # base64 signatures (the SNAP standard) are accepted as well as hex.
    accepted = await briSender.notify(VA_NOTIFY, body, encoding="base64")
    assert accepted.status_code == 200, accepted.text


async def test_amountMismatchIsFlaggedNotPaid(paymentStack: PaymentStack, payer: Payer, database: Database) -> None:
    created = (await paymentStack.create(payer, amount=15000)).json()
    result = await paymentStack.pay(virtualAccountNo=created["virtualAccountNo"], amount=14000)
    assert notificationsOf(result)[0]["status"] == 200
    assert (await paymentStack.get(payer, created["id"])).json()["status"] == "pending"
    stored = await storedPayment(database, created["id"])
    assert str(stored["flagged_reason"]).startswith("amount_mismatch")
    assert await eventOutcomes(database, created["id"]) == ["amount_mismatch"]
    assert "payment.flagged" in await auditActions(database, created["id"])


@pytest.mark.parametrize("method", ["briva", "qris"])
async def test_notificationInAnotherCurrencyIsAnAmountMismatch(
    paymentStack: PaymentStack, payer: Payer, database: Database, briSender: BriSender, method: str
) -> None:
    created = (await paymentStack.create(payer, amount=15000, method=method)).json()
    stored = await storedPayment(database, created["id"])
    if method == "briva":
        body = vaBody(str(stored["virtual_account_no"]), 15000, "7000000000000005")
        body["additionalInfo"] = {"terminalId": "9", "bankId": "002"}
        body["paidAmount"] = {"value": "15000.00", "currency": "USD"}
        path, success = VA_NOTIFY, "2003400"
    else:
        body = qrisBody(str(stored["bri_reference_no"]), str(stored["partner_reference_no"]), 15000)
        body["amount"] = {"value": "15000.00", "currency": "USD"}
        path, success = QRIS_NOTIFY, "2005200"
    reply = await briSender.notify(path, body)
    assert reply.json()["responseCode"] == success
    after = await storedPayment(database, created["id"])
    assert after["status"] == "pending"
    assert after["flagged_reason"] == "amount_mismatch: expected 15000 IDR, BRI reported 15000 USD"
    assert await eventOutcomes(database, created["id"]) == ["amount_mismatch"]


async def test_qrisNotificationRsaSignedWithEitherClientId(
    paymentStack: PaymentStack, payer: Payer, database: Database, briSender: BriSender
) -> None:
    created, reference, partner = await qrisPayment(paymentStack, payer, database)
    stranger = await briSender.notify(QRIS_NOTIFY, qrisBody(reference, partner, 20000), rsaClientId="stranger")
    assert (stranger.status_code, stranger.json()["responseCode"]) == (401, "4015200")
    # The RSA form signs no body: a paid report the QR query does not confirm records nothing.
    early = await briSender.notify(QRIS_NOTIFY, qrisBody(reference, partner, 20000), rsaClientId=CLIENT_ID)
    assert (early.status_code, early.json()["responseCode"]) == (500, "5005200")
    assert await eventOutcomes(database, created["id"]) == []
    # Both refusals are audited (anonymous, denied); the unconfirmed one names the QR's payment.
    [refused] = await auditRowsOf(database, stranger.headers["x-request-id"])
    assert (refused["action"], refused["target_id"], refused["details"]) == ("payment.bri_inbound_rejected", None, {
        "path": PREFIX + QRIS_NOTIFY, "code": "inbound_signature_invalid", "responseCode": "4015200"})
    [row] = await auditRowsOf(database, early.headers["x-request-id"])
    assert (row["action"], row["outcome"], row["actor_type"]) == ("payment.bri_report_unconfirmed", "denied",
                                                                  "anonymous")
    assert (row["target_type"], row["target_id"]) == ("payment", created["id"])
    assert row["details"] == {"path": PREFIX + QRIS_NOTIFY, "responseCode": "5005200", "originalReferenceNo": reference,
                              "originalPartnerReferenceNo": partner, "reportedAmount": 20000}
    await paymentStack.pay(referenceNo=reference, tamperToken=True)
    # docs/bri.md: BRI may sign the RSA form with the client id it issued to us (BRI_CLIENT_ID).
    reply = await briSender.notify(QRIS_NOTIFY, qrisBody(reference, partner, 20000), rsaClientId=CLIENT_ID)
    assert (reply.status_code, reply.json()["responseCode"]) == (200, "2005200")
    assert (await paymentStack.get(payer, created["id"])).json()["status"] == "paid"
    assert await eventOutcomes(database, created["id"]) == ["settled"]


async def test_rsaOnlyUnpaidReportChangesNothing(
    paymentStack: PaymentStack, payer: Payer, database: Database, briSender: BriSender
) -> None:
    # The RSA form signs no body: a not-paid report, invented or not, is acknowledged and only logged.
    victim = (await paymentStack.create(payer, amount=20000, method="briva")).json()
    await execute(database, "UPDATE payments SET flagged_reason = 'late_payment: paid while cancelled' "
                  "WHERE id = :id", id=victim["id"])
    created, reference, partner = await qrisPayment(paymentStack, payer, database)
    ids = (victim["id"], created["id"])
    before = [(await storedPayment(database, id), await auditActions(database, id)) for id in ids]
    victimPartner = str(before[0][0]["partner_reference_no"])
    invented = qrisBody(f"{secrets.randbelow(10**12):012d}", victimPartner, 1, status="01")
    for body in (invented, qrisBody(reference, partner, 20000, "03")):
        reply = await briSender.notify(QRIS_NOTIFY, body, rsaClientId=CLIENT_ID)
        assert (reply.status_code, reply.json()["responseCode"]) == (200, "2005200")
    assert [(await storedPayment(database, id), await auditActions(database, id)) for id in ids] == before
    assert [await eventOutcomes(database, id) for id in ids] == [[], []]


async def test_lateNotificationAfterCancelIsFlagged(
    paymentStack: PaymentStack, payer: Payer, database: Database
) -> None:
    created = (await paymentStack.create(payer, method="qris")).json()
    cancel = await paymentStack.http.post(f"{paymentStack.appUrl}{PREFIX}/payments/{created['id']}/cancel",
                                          headers=payer.headers)
    assert cancel.status_code == 200
    stored = await storedPayment(database, created["id"])
    result = await paymentStack.pay(partnerReferenceNo=stored["partner_reference_no"])
    assert notificationsOf(result)[0]["body"]["responseCode"] == "2005200"  # type: ignore[index]
    after = await storedPayment(database, created["id"])
    assert after["status"] == "cancelled"
    assert after["paid_at"] is None
    assert str(after["flagged_reason"]).startswith("late_payment")
    assert await eventOutcomes(database, created["id"]) == ["late"]


async def qrisPayment(stack: PaymentStack, payer: Payer, database: Database) -> tuple[dict[str, str], str, str]:
    created = (await stack.create(payer, amount=20000, method="qris")).json()
    stored = await storedPayment(database, created["id"])
    return created, str(stored["bri_reference_no"]), str(stored["partner_reference_no"])


async def test_reorderedQrisStatusNeverUndoesPaid(
    paymentStack: PaymentStack, payer: Payer, database: Database, briSender: BriSender
) -> None:
    created, reference, partner = await qrisPayment(paymentStack, payer, database)
    paid = await briSender.notify(QRIS_NOTIFY, qrisBody(reference, partner, 20000, "00"))
    assert paid.json()["responseCode"] == "2005200"
    stale = await briSender.notify(QRIS_NOTIFY, qrisBody(reference, partner, 20000, "03"))
    assert stale.json()["responseCode"] == "2005200"
    repeat = await briSender.notify(QRIS_NOTIFY, qrisBody(reference, partner, 20000, "00"))
    assert repeat.json()["responseCode"] == "2005200"
    assert (await paymentStack.get(payer, created["id"])).json()["status"] == "paid"
    assert await eventOutcomes(database, created["id"]) == ["settled", "not_paid"]


async def test_pendingStatusBeforePaidStillSettles(
    paymentStack: PaymentStack, payer: Payer, database: Database, briSender: BriSender
) -> None:
    created, reference, partner = await qrisPayment(paymentStack, payer, database)
    await briSender.notify(QRIS_NOTIFY, qrisBody(reference, partner, 20000, "03"))
    await briSender.notify(QRIS_NOTIFY, qrisBody(reference, partner, 20000, "00"))
    assert (await paymentStack.get(payer, created["id"])).json()["status"] == "paid"


async def test_unknownAndMalformedNotifications(paymentStack: PaymentStack, briSender: BriSender) -> None:
    unknownVa = f"   77777{secrets.randbelow(10**12):013d}"
    unknown = await briSender.notify(VA_NOTIFY, vaBody(unknownVa, 15000, "7000000000000003"))
    assert unknown.status_code == 404
    assert unknown.json()["responseCode"] == "4043412"
    missing = await briSender.notify(VA_NOTIFY, {"partnerServiceId": "   77777"})
    assert missing.status_code == 400
    assert missing.json()["responseCode"] == "4003402"
    badAmount = vaBody("   777771234567890", 15000, "7000000000000004")
    badAmount["additionalInfo"] = {"paymentAmount": "15000.50"}
    formatted = await briSender.notify(VA_NOTIFY, badAmount)
    assert formatted.json()["responseCode"] == "4003401"
