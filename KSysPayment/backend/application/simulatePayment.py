from __future__ import annotations

import uuid

from KSysPayment.backend.application.ownedPayment import requireOwnedPayment
from KSysPayment.backend.application.paymentOutput import PaymentOutput
from KSysPayment.backend.application.simulatePaymentInput import SimulatePaymentInput
from KSysPayment.backend.domain.exceptions.paymentErrors import PaymentNotFoundError
from KSysPayment.backend.domain.interfaces.paymentSimulatorInterface import PaymentSimulatorInterface
from KSysPayment.backend.domain.interfaces.unitOfWorkInterface import UnitOfWorkFactory
from KSysPayment.backend.domain.models.payment import PaymentMethod, PaymentStatus
from KSysPayment.backend.domain.paymentStateMachine import requireTransition
from KSysPayment.backend.domain.requestContext import RequestContext


# Development only: the simulator pays, then calls our notify endpoint before answering.
class SimulatePayment:
    def __init__(self, uowFactory: UnitOfWorkFactory, simulator: PaymentSimulatorInterface) -> None:
        self.uowFactory = uowFactory
        self.simulator = simulator

    async def execute(self, userId: uuid.UUID, data: SimulatePaymentInput, context: RequestContext) -> PaymentOutput:
        async with self.uowFactory() as uow:
            payment = await requireOwnedPayment(uow, userId, data.paymentId, context, "simulate")
        requireTransition(payment.status, PaymentStatus.PAID)
        isVa = payment.method == PaymentMethod.BRIVA.value
        await self.simulator.pay(
            virtualAccountNo=payment.virtualAccountNo if isVa else None,
            partnerReferenceNo=None if isVa else payment.partnerReferenceNo,
            amount=data.amount or payment.amount,
        )
        async with self.uowFactory() as uow:
            refreshed = await uow.payments.getOwned(data.paymentId, userId)
        if refreshed is None:
            raise PaymentNotFoundError()
        return PaymentOutput.fromPayment(refreshed)
