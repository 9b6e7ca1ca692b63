from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request

from KSysPayment.backend.application.cancelPayment import CancelPayment
from KSysPayment.backend.application.createPayment import CreatePayment
from KSysPayment.backend.application.getPayment import GetPayment
from KSysPayment.backend.application.inboundRejection import InboundRejection
from KSysPayment.backend.application.listPayments import ListPayments
from KSysPayment.backend.application.settleNotification import SettleNotification
from KSysPayment.backend.application.simulatePayment import SimulatePayment
from KSysPayment.backend.domain.paymentGatewayInterface import PaymentGatewayInterface
from KSysPayment.backend.domain.requestContext import RequestContext
from KSysPayment.backend.infrastructure.bri.inboundAuth import InboundAuthenticator
from shared.backend.config.settings import PaymentSettings
from shared.backend.security.currentUser import CurrentUser, CurrentUserDep


def requestContext(request: Request, user: CurrentUser | None = None) -> RequestContext:
    return RequestContext(
        requestId=getattr(request.state, "requestId", None),
        ip=request.client.host if request.client else None,
        userId=user.userId if user else None,
    )


# Dependencies are async: FastAPI runs a sync dependency in its thread pool, a hop per request.
async def createPayment(request: Request) -> CreatePayment:
    state = request.app.state
    return CreatePayment(state.paymentUow, state.paymentStatements, state.paymentRecords, state.settlementRecords,
                         state.paymentGateway, state.settings.payment, state.paymentCleanups.spawn)


async def getPayment(request: Request) -> GetPayment:
    return GetPayment(request.app.state.paymentStatements)


async def listPayments(request: Request) -> ListPayments:
    return ListPayments(request.app.state.paymentStatements)


async def cancelPayment(request: Request) -> CancelPayment:
    state = request.app.state
    return CancelPayment(state.paymentUow, state.settlementRecords, state.paymentGateway,
                         timedelta(hours=state.settings.payment.qrisRecheckHours))


async def settleNotification(request: Request) -> SettleNotification:
    return SettleNotification(request.app.state.paymentUow, request.app.state.settlementRecords)


async def inboundRejection(request: Request) -> InboundRejection:
    return InboundRejection(request.app.state.paymentStatements)


async def simulatePayment(request: Request) -> SimulatePayment:
    return SimulatePayment(request.app.state.paymentUow, request.app.state.paymentSimulator)


async def inboundAuthenticator(request: Request) -> InboundAuthenticator:
    authenticator: InboundAuthenticator = request.app.state.inboundAuthenticator
    return authenticator


async def paymentGateway(request: Request) -> PaymentGatewayInterface:
    gateway: PaymentGatewayInterface = request.app.state.paymentGateway
    return gateway


async def paymentSettings(request: Request) -> PaymentSettings:
    settings: PaymentSettings = request.app.state.settings.payment
    return settings


async def userContext(request: Request, user: CurrentUserDep) -> RequestContext:
    return requestContext(request, user)


CreatePaymentDep = Annotated[CreatePayment, Depends(createPayment)]
GetPaymentDep = Annotated[GetPayment, Depends(getPayment)]
ListPaymentsDep = Annotated[ListPayments, Depends(listPayments)]
CancelPaymentDep = Annotated[CancelPayment, Depends(cancelPayment)]
SettleNotificationDep = Annotated[SettleNotification, Depends(settleNotification)]
SimulatePaymentDep = Annotated[SimulatePayment, Depends(simulatePayment)]
InboundRejectionDep = Annotated[InboundRejection, Depends(inboundRejection)]
InboundAuthenticatorDep = Annotated[InboundAuthenticator, Depends(inboundAuthenticator)]
PaymentGatewayDep = Annotated[PaymentGatewayInterface, Depends(paymentGateway)]
UserContextDep = Annotated[RequestContext, Depends(userContext)]
PaymentSettingsDep = Annotated[PaymentSettings, Depends(paymentSettings)]
