from __future__ import annotations

import dataclasses
from datetime import timedelta

from KSysPayment.backend.application.reconcilePayments import ReconcilePayments
from KSysPayment.backend.domain.gatewayTypes import VirtualAccountPaymentStatus
from KSysPayment.backend.domain.paymentGatewayInterface import PaymentGatewayInterface
from KSysPayment.tests.support.gatewayDouble import RealGatewayExcept
from KSysPayment.tests.support.paymentQueries import execute, storedPayment
from KSysPayment.tests.support.paymentStack import Payer, PaymentStack
from shared.backend.database.engine import Database


def reconciler(stack: PaymentStack, gateway: PaymentGatewayInterface | None = None) -> ReconcilePayments:
    state = stack.app.state
    return ReconcilePayments(state.paymentUow, state.settlementRecords, gateway or state.paymentGateway,
                             timedelta(hours=24))


class AlteredStatus(RealGatewayExcept):
    # The real gateway, except that the VA status answer of chosen customer numbers is changed or an error.
    def __init__(self, real: PaymentGatewayInterface, answers: dict[str, Exception | dict[str, object]]) -> None:
        super().__init__(real)
        self.answers = answers

    async def virtualAccountStatus(self, *, customerNo: str, inquiryRequestId: str) -> VirtualAccountPaymentStatus:
        answer = self.answers.get(customerNo)
        if isinstance(answer, Exception):
            raise answer
        status = await self.real.virtualAccountStatus(customerNo=customerNo, inquiryRequestId=inquiryRequestId)
        return dataclasses.replace(status, **answer) if answer else status


async def expireIn(database: Database, paymentId: str, seconds: int) -> None:
    await execute(database, "UPDATE payments SET expires_at = now() + make_interval(secs => :s) WHERE id = :id",
                  s=seconds, id=paymentId)


# A VA payment BRI took whose notification was lost (its signature tampered), now overdue: its id and customer number.
async def overdueUnnotifiedPayment(stack: PaymentStack, payer: Payer, database: Database) -> tuple[str, str]:
    created = (await stack.create(payer)).json()
    await stack.pay(virtualAccountNo=created["virtualAccountNo"], tamperSignature=True)
    customerNo = str((await storedPayment(database, created["id"]))["customer_no"])
    await expireIn(database, created["id"], -5)
    return str(created["id"]), customerNo
