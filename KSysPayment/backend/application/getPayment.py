from __future__ import annotations

import uuid

from KSysPayment.backend.application.paymentOutput import PaymentOutput
from KSysPayment.backend.domain.exceptions.paymentErrors import PaymentNotFoundError
from KSysPayment.backend.domain.interfaces.unitOfWorkInterface import UnitOfWorkFactory


class GetPayment:
    def __init__(self, uowFactory: UnitOfWorkFactory) -> None:
        self.uowFactory = uowFactory

    async def execute(self, userId: uuid.UUID, paymentId: uuid.UUID) -> PaymentOutput:
        async with self.uowFactory() as uow:
            # Another user's payment is indistinguishable from a missing one.
            payment = await uow.payments.getOwned(paymentId, userId)
        if payment is None:
            raise PaymentNotFoundError()
        return PaymentOutput.fromPayment(payment)
