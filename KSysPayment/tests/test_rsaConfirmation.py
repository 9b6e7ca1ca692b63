from __future__ import annotations

import asyncio
import dataclasses
import json

from KSysPayment.backend.application.briDeadline import QRIS_CONFIRM_SECONDS
from KSysPayment.backend.application.paymentPoll import confirmQrisReport
from KSysPayment.backend.application.settleNotification import SettleNotification
from KSysPayment.backend.domain.gatewayTypes import QrisPaymentStatus
from KSysPayment.backend.domain.paymentNotification import SettlementOutcome
from KSysPayment.backend.domain.requestContext import RequestContext
from KSysPayment.backend.infrastructure.http.snapNotificationParser import parseQrisNotification
from KSysPayment.tests.support.briSender import QRIS_NOTIFY, BriSender, qrisBody
from KSysPayment.tests.support.gatewayDouble import RealGatewayExcept
from KSysPayment.tests.support.paymentQueries import auditActions, eventOutcomes, eventRaws, storedPayment
from KSysPayment.tests.support.paymentStack import CLIENT_ID, Payer, PaymentStack
from shared.backend.database.engine import Database


class QueryWithoutPartnerReference(RealGatewayExcept):
    # The real gateway, except that BRI's QRIS query leaves out originalPartnerReferenceNo.
    async def queryQris(self, *, referenceNo: str) -> QrisPaymentStatus:
        answer = await self.real.queryQris(referenceNo=referenceNo)
        return dataclasses.replace(answer, partnerReferenceNo=None)


# An RSA-signed paid report names a QR that was really paid and another payment's partner reference: the
# query confirms the QR, and it is that QR's payment that settles, never the one the unsigned body names.
async def test_rsaConfirmedReportIgnoresTheBodysPartnerReference(
    paymentStack: PaymentStack, payer: Payer, database: Database
) -> None:
    own = (await paymentStack.create(payer, amount=20000, method="qris")).json()
    victim = (await paymentStack.create(payer, amount=20000, method="briva")).json()
    reference = str((await storedPayment(database, own["id"]))["bri_reference_no"])
    victimBefore = await storedPayment(database, victim["id"])
    await paymentStack.pay(referenceNo=reference, tamperToken=True)  # paid at BRI, not yet reported to us
    body = qrisBody(reference, str(victimBefore["partner_reference_no"]), 20000)
    state = paymentStack.app.state
    confirmed = await confirmQrisReport(QueryWithoutPartnerReference(state.paymentGateway),
                                        parseQrisNotification(json.dumps(body).encode()))
    assert confirmed is not None
    result = await SettleNotification(state.paymentUow, state.settlementRecords).execute(confirmed, RequestContext())
    assert (result.outcome, str(result.paymentId)) == (SettlementOutcome.SETTLED, own["id"])
    assert (await storedPayment(database, own["id"]))["status"] == "paid"
    # The event records BRI's query; the body's unsigned fields are kept only as the unsigned report.
    (raw,) = await eventRaws(database, own["id"])
    assert (raw["confirmedBy"], raw["referenceNo"], raw["amount"]) == ("qr-mpm-query", reference, 20000)
    assert raw["unsignedReport"] == body
    assert set(raw) == {"confirmedBy", "referenceNo", "amount", "currency", "statusCode", "unsignedReport"}
    assert await storedPayment(database, victim["id"]) == victimBefore
    assert await eventOutcomes(database, victim["id"]) == []
    assert "payment.flagged" not in await auditActions(database, victim["id"])


# BRI waits under 10 s for our answer. Its QRIS query hangs while we confirm an RSA-signed paid report (each try cut at
# BRI_TIMEOUT_SECONDS, 5 s here, and retried): the confirmation stops at its deadline and BRI gets SNAP's General Error,
# so it retries; nothing is recorded and nothing is audited as unconfirmed. Without the deadline the tries ran ~15 s.
async def test_aHangingConfirmationQueryIsAnsweredWithinBrisWait(
    paymentStack: PaymentStack, payer: Payer, database: Database, briSender: BriSender
) -> None:
    created = (await paymentStack.create(payer, amount=20000, method="qris")).json()
    stored = await storedPayment(database, created["id"])
    reference = str(stored["bri_reference_no"])
    await paymentStack.pay(referenceNo=reference, tamperToken=True)  # paid at BRI, not yet reported to us
    fault = {"path": "/v1.0/qr-dynamic-mpm/qr-mpm-query", "count": 3, "status": None, "delaySeconds": 8}
    (await paymentStack.http.post(f"{paymentStack.simulatorUrl}/simulator/faults", json=fault)).raise_for_status()
    body = qrisBody(reference, str(stored["partner_reference_no"]), 20000)
    started = asyncio.get_running_loop().time()
    reply = await briSender.notify(QRIS_NOTIFY, body, rsaClientId=CLIENT_ID)
    assert asyncio.get_running_loop().time() - started < QRIS_CONFIRM_SECONDS + 2 < 10
    assert (reply.status_code, reply.json()) == (500, {"responseCode": "5005200", "responseMessage": "General Error"})
    assert await eventOutcomes(database, created["id"]) == []
    assert (await storedPayment(database, created["id"]))["status"] == "pending"
    assert await auditActions(database, created["id"]) == ["payment.created", "payment.provisioned"]
