from __future__ import annotations

from shared.backend.exceptions.domainError import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    UnprocessableError,
    UpstreamError,
)


class PaymentNotFoundError(NotFoundError):
    code = "payment_not_found"
    message = "The payment does not exist"


class IdempotencyKeyReusedError(ConflictError):
    code = "idempotency_key_reused"
    message = "This Idempotency-Key was already used with a different request body"


class InvalidIdempotencyKeyError(InvalidInputError):
    code = "invalid_idempotency_key"
    message = "The Idempotency-Key header is required: 1 to 128 characters of A-Z, a-z, 0-9, '_' or '-'"


class InvalidPaymentStateError(ConflictError):
    code = "invalid_payment_state"
    message = "The payment is not in a state that allows this"


# Not an InvalidPaymentStateError: a route declaring that one (the state machine's) would document this code too.
class PaymentPaidAtGatewayError(ConflictError):
    # A cancel found the payment paid at BRI; details carry the payment's status after settling it.
    code = "payment_already_paid"
    message = "BRI reports this payment as paid, so it was not cancelled"


class AmountOutOfBoundsError(UnprocessableError):
    code = "amount_out_of_bounds"
    message = "The amount is outside the allowed range"


class InvalidCursorError(UnprocessableError):
    code = "invalid_cursor"
    message = "The cursor is not one this listing issued"


class SimulatorUnavailableError(UpstreamError):
    code = "simulator_failed"
    message = "The BRI simulator could not pay this payment"


class VirtualAccountNumberTakenError(ConflictError):
    code = "virtual_account_number_taken"
    message = "No free virtual account number was found; retry the request"
