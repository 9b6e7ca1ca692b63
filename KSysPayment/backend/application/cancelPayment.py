from __future__ import annotations

import uuid
from contextlib import suppress

from KSysPayment.backend.application.auditTrail import auditPayment
from KSysPayment.backend.application.paymentOutput import PaymentOutput
from KSysPayment.backend.domain.exceptions.gatewayErrors import GatewayNotFoundError
from KSysPayment.backend.domain.exceptions.paymentErrors import PaymentNotFoundError
from KSysPayment.backend.domain.interfaces.unitOfWorkInterface import UnitOfWorkFactory, UnitOfWorkInterface
from KSysPayment.backend.domain.models.payment import Payment, PaymentMethod, PaymentStatus
from KSysPayment.backend.domain.paymentGatewayInterface import PaymentGatewayInterface
from KSysPayment.backend.domain.paymentStateMachine import requireTransition
from KSysPayment.backend.domain.requestContext import RequestContext
from shared.backend.database.modelSupport import utcNow


class CancelPayment:
    def __init__(self, uowFactory: UnitOfWorkFactory, gateway: PaymentGatewayInterface) -> None:
        self.uowFactory = uowFactory
        self.gateway = gateway

    async def execute(self, userId: uuid.UUID, paymentId: uuid.UUID, context: RequestContext) -> PaymentOutput:
        async with self.uowFactory() as uow:
            payment = await self.requireOwned(uow, userId, paymentId)
            requireTransition(payment.status, PaymentStatus.CANCELLED)
        # Close the VA at BRI first (no transaction open): once deleted nobody can pay it. A payment
        # notified meanwhile wins the row lock below and the cancel answers invalid_payment_state.
        if payment.method == PaymentMethod.BRIVA.value and payment.customerNo:
            with suppress(GatewayNotFoundError):
                await self.gateway.deleteVirtualAccount(customerNo=payment.customerNo,
                                                        trxId=payment.partnerReferenceNo)
        async with self.uowFactory() as uow:
            locked = await self.requireOwned(uow, userId, paymentId, forUpdate=True)
            requireTransition(locked.status, PaymentStatus.CANCELLED)
            locked.status = PaymentStatus.CANCELLED.value
            locked.updatedAt = utcNow()
            await uow.audit.add(auditPayment("payment.cancelled", locked, context))
            await uow.commit()
        return PaymentOutput.fromPayment(locked)

    @staticmethod
    async def requireOwned(uow: UnitOfWorkInterface, userId: uuid.UUID, paymentId: uuid.UUID,
                           forUpdate: bool = False) -> Payment:
        payment = await uow.payments.getOwned(paymentId, userId, forUpdate)
        if payment is None:
            raise PaymentNotFoundError()
        return payment
