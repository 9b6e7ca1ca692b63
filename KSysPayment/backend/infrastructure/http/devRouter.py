from __future__ import annotations

from fastapi import APIRouter

from KSysPayment.backend.application.paymentOutput import PaymentOutput
from KSysPayment.backend.application.simulatePaymentInput import SimulatePaymentInput
from KSysPayment.backend.domain.exceptions.paymentErrors import (
    InvalidPaymentStateError,
    PaymentNotFoundError,
    SimulatorUnavailableError,
)
from KSysPayment.backend.infrastructure.http.errorStatus import paymentAnswers
from KSysPayment.backend.infrastructure.http.paymentDependencies import SimulatePaymentDep, UserContextDep
from shared.backend.dependenciesFirstRoute import DependenciesFirstRoute
from shared.backend.security.currentUser import CurrentUserDep

DEV_ENVIRONMENTS = ("development", "test")


# Mounted only in development and test: production answers 404.
def createDevRouter() -> APIRouter:
    router = APIRouter(prefix="/api/payment/dev", tags=["payment-dev"], route_class=DependenciesFirstRoute)

    @router.post("/simulate-payment", response_model=PaymentOutput,
                 responses=paymentAnswers(PaymentNotFoundError, InvalidPaymentStateError, SimulatorUnavailableError))
    async def simulatePayment(body: SimulatePaymentInput, user: CurrentUserDep, context: UserContextDep,
                              useCase: SimulatePaymentDep) -> PaymentOutput:
        return await useCase.execute(user.userId, body, context)

    return router
