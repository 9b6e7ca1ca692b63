from __future__ import annotations

import uuid

from KSysPayment.backend.application.ownedPayment import requireOwnedPayment
from KSysPayment.backend.application.paymentOutput import PaymentOutput
from KSysPayment.backend.domain.interfaces.unitOfWorkInterface import UnitOfWorkFactory
from KSysPayment.backend.domain.requestContext import RequestContext


class GetPayment:
    def __init__(self, uowFactory: UnitOfWorkFactory) -> None:
        self.uowFactory = uowFactory

    async def execute(self, userId: uuid.UUID, paymentId: uuid.UUID, context: RequestContext) -> PaymentOutput:
        async with self.uowFactory() as uow:
            payment = await requireOwnedPayment(uow, userId, paymentId, context, "read")
        return PaymentOutput.fromPayment(payment)
