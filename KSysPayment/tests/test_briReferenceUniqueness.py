from __future__ import annotations

import dataclasses
import secrets

import pytest

from KSysPayment.backend.application.createPayment import CreatePayment
from KSysPayment.backend.application.createPaymentInput import CreatePaymentInput
from KSysPayment.backend.domain.exceptions.gatewayErrors import GatewayBadResponseError
from KSysPayment.backend.domain.gatewayTypes import QrisCode
from KSysPayment.backend.domain.paymentGatewayInterface import PaymentGatewayInterface
from KSysPayment.backend.domain.requestContext import RequestContext
from KSysPayment.tests.support.gatewayDouble import RealGatewayExcept
from KSysPayment.tests.support.paymentQueries import storedPayment
from KSysPayment.tests.support.paymentStack import Payer, PaymentStack
from shared.backend.database.engine import Database


class ReusedReference(RealGatewayExcept):
    # The real gateway, except that BRI answers a new QR with a reference number another payment already holds.
    def __init__(self, real: PaymentGatewayInterface, referenceNo: str) -> None:
        super().__init__(real)
        self.referenceNo = referenceNo

    async def generateQris(self, **fields: object) -> QrisCode:
        made = await self.real.generateQris(**fields)
        return dataclasses.replace(made, referenceNo=self.referenceNo)


# A notification names its QRIS payment by BRI's reference number: a second payment holding the first one's would
# let a report of either settle the other. The second create fails as a bad gateway answer; the first is untouched.
async def test_aReferenceNumberAnotherPaymentHoldsFailsTheCreate(
    paymentStack: PaymentStack, payer: Payer, database: Database
) -> None:
    first = (await paymentStack.create(payer, method="qris")).json()
    referenceNo = str((await storedPayment(database, first["id"]))["bri_reference_no"])
    state = paymentStack.app.state
    gateway = ReusedReference(state.paymentGateway, referenceNo)
    create = CreatePayment(state.paymentUow, state.paymentStatements, state.paymentRecords, state.settlementRecords,
                           gateway, state.settings.payment, state.paymentCleanups.spawn)
    key = secrets.token_hex(8)
    with pytest.raises(GatewayBadResponseError) as raised:
        await create.execute(payer.id, key, CreatePaymentInput(amount=15000, method="qris"),
                             RequestContext(requestId="reused-reference", ip="127.0.0.1"))
    [detail] = raised.value.details
    second = await storedPayment(database, str(detail["paymentId"]))
    assert (second["status"], second["bri_reference_no"], second["qr_content"]) == ("failed", None, None)
    kept = await storedPayment(database, first["id"])
    assert (kept["status"], kept["bri_reference_no"]) == ("pending", referenceNo)
