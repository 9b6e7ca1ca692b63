from __future__ import annotations

from KSysPayment.backend.domain.exceptions.gatewayErrors import (
    GatewayAuthError,
    GatewayBadResponseError,
    GatewayDuplicateExternalIdError,
    GatewayRejectedError,
    GatewayTimeoutError,
    GatewayUnavailableError,
    InboundAuthError,
    InboundRequestError,
)
from KSysPayment.backend.domain.exceptions.paymentErrors import (
    AmountOutOfBoundsError,
    IdempotencyKeyReusedError,
    InvalidCursorError,
    InvalidIdempotencyKeyError,
    InvalidPaymentStateError,
    PaymentNotFoundError,
    PaymentPaidAtGatewayError,
    SimulatorUnavailableError,
)
from shared.backend.exceptions.domainError import DomainError
from shared.backend.openapiDocs import ErrorAnswers, errorAnswers

# Lookup follows the class hierarchy (most specific first in the MRO).
PAYMENT_STATUS_TABLE: dict[type[DomainError], int] = {
    PaymentNotFoundError: 404,
    IdempotencyKeyReusedError: 409,
    InvalidIdempotencyKeyError: 400,
    InvalidPaymentStateError: 409,
    PaymentPaidAtGatewayError: 409,
    AmountOutOfBoundsError: 422,
    InvalidCursorError: 422,
    SimulatorUnavailableError: 502,
    GatewayRejectedError: 502,
    GatewayAuthError: 502,
    GatewayBadResponseError: 502,
    GatewayDuplicateExternalIdError: 502,
    GatewayUnavailableError: 503,
    GatewayTimeoutError: 504,
    InboundAuthError: 401,
    InboundRequestError: 400,
}


# A route's own errors for its OpenAPI answers (`responses=...Answers(...)`), mapped through this table.
def paymentAnswers(*errors: type[DomainError]) -> ErrorAnswers:
    return errorAnswers(PAYMENT_STATUS_TABLE, *errors)
