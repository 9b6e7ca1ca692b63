from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from KSysPayment.backend.application.createPaymentInput import CreatePaymentInput
from KSysPayment.backend.application.paymentOutput import PaymentLimitsOutput, PaymentOutput, PaymentPageOutput
from KSysPayment.backend.domain.exceptions.gatewayErrors import GATEWAY_ERRORS
from KSysPayment.backend.domain.exceptions.paymentErrors import (
    AmountOutOfBoundsError,
    IdempotencyKeyReusedError,
    InvalidCursorError,
    InvalidIdempotencyKeyError,
    InvalidPaymentStateError,
    PaymentNotFoundError,
    PaymentPaidAtGatewayError,
    VirtualAccountNumberTakenError,
)
from KSysPayment.backend.domain.models.payment import PaymentMethod, PaymentStatus
from KSysPayment.backend.domain.paymentQueries import PaymentFilter
from KSysPayment.backend.infrastructure.http.errorStatus import paymentAnswers
from KSysPayment.backend.infrastructure.http.paymentDependencies import (
    CancelPaymentDep,
    CreatePaymentDep,
    GetPaymentDep,
    ListPaymentsDep,
    PaymentSettingsDep,
    UserContextDep,
)
from shared.backend.dependenciesFirstRoute import DependenciesFirstRoute
from shared.backend.loggingFactory import bindUser
from shared.backend.security.currentUser import CurrentUserDep

PREFIX = "/api/payment"
# The create's other success: a replay of a key and body already stored answers the stored payment.
CREATE_RESPONSES: dict[int | str, dict[str, object]] = {
    **paymentAnswers(InvalidIdempotencyKeyError, IdempotencyKeyReusedError, VirtualAccountNumberTakenError,
                     AmountOutOfBoundsError, PaymentNotFoundError, *GATEWAY_ERRORS),
    200: {"model": PaymentOutput, "description": "Replay of a stored key and body: the payment as stored",
          "headers": {"Idempotent-Replayed": {"description": "Always true", "schema": {"type": "string"}}}},
}


def createPaymentRouter() -> APIRouter:
    router = APIRouter(prefix=PREFIX, tags=["payment"], route_class=DependenciesFirstRoute)

    @router.post("/payments", status_code=201, response_model=PaymentOutput, responses=CREATE_RESPONSES)
    async def createPayment(
        body: CreatePaymentInput,
        user: CurrentUserDep,
        context: UserContextDep,
        useCase: CreatePaymentDep,
        response: Response,
        # Required, but checked by the use case so that a missing key answers 400 invalid_idempotency_key.
        idempotencyKey: Annotated[str | None, Header(
            alias="Idempotency-Key", description="Required: a client-chosen key per payment (1-128 characters "
            "A-Z a-z 0-9 _ -); a missing or malformed one is 400 invalid_idempotency_key")] = None,
    ) -> PaymentOutput:
        bindUser(str(user.userId))
        result = await useCase.execute(user.userId, idempotencyKey, body, context)
        if not result.created:
            # A replay of the same key and body: the stored payment, 200 instead of 201.
            response.status_code = 200
            response.headers["Idempotent-Replayed"] = "true"
        return result.payment

    @router.get("/payments", response_model=PaymentPageOutput, responses=paymentAnswers(InvalidCursorError))
    async def listPayments(
        user: CurrentUserDep,
        useCase: ListPaymentsDep,
        status: PaymentStatus | None = None,
        method: PaymentMethod | None = None,
        cursor: Annotated[str | None, Query(max_length=512)] = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> PaymentPageOutput:
        filter = PaymentFilter(status=status.value if status else None, method=method.value if method else None)
        return await useCase.execute(user.userId, filter, cursor, limit)

    @router.get("/payments/{paymentId}", response_model=PaymentOutput, responses=paymentAnswers(PaymentNotFoundError))
    async def getPayment(
        paymentId: uuid.UUID, user: CurrentUserDep, context: UserContextDep, useCase: GetPaymentDep
    ) -> PaymentOutput:
        return await useCase.execute(user.userId, paymentId, context)

    @router.post("/payments/{paymentId}/cancel", response_model=PaymentOutput, responses=paymentAnswers(
        PaymentNotFoundError, InvalidPaymentStateError, PaymentPaidAtGatewayError, *GATEWAY_ERRORS))
    async def cancelPayment(
        paymentId: uuid.UUID, user: CurrentUserDep, context: UserContextDep, useCase: CancelPaymentDep
    ) -> PaymentOutput:
        bindUser(str(user.userId))
        return await useCase.execute(user.userId, paymentId, context)

    # The amount bounds a create enforces (PAYMENT_MIN_AMOUNT/MAX), for the form's own check; signed-in users only.
    @router.get("/limits", response_model=PaymentLimitsOutput)
    async def paymentLimits(user: CurrentUserDep, settings: PaymentSettingsDep) -> PaymentLimitsOutput:
        return PaymentLimitsOutput.fromSettings(settings)

    return router
