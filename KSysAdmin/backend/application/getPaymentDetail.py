from __future__ import annotations

import uuid

from KSysAdmin.backend.application.paymentOutput import PaymentDetailOutput, PaymentEventOutput, PaymentOutput
from KSysAdmin.backend.domain.exceptions.adminErrors import PaymentNotFoundError
from KSysAdmin.backend.domain.interfaces.paymentRepositoryInterface import PaymentRepositoryInterface
from KSysAdmin.backend.domain.models.payment import Payment


async def paymentDetail(payments: PaymentRepositoryInterface, payment: Payment) -> PaymentDetailOutput:
    events = await payments.eventsOf(payment.id)
    return PaymentDetailOutput(
        **PaymentOutput.model_validate(payment).model_dump(),
        events=[PaymentEventOutput.model_validate(event) for event in events],
    )


class GetPaymentDetail:
    def __init__(self, payments: PaymentRepositoryInterface) -> None:
        self.payments = payments

    async def execute(self, paymentId: uuid.UUID) -> PaymentDetailOutput:
        payment = await self.payments.getById(paymentId)
        if payment is None:
            raise PaymentNotFoundError()
        return await paymentDetail(self.payments, payment)
