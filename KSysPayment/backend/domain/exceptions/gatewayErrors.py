from __future__ import annotations

from shared.backend.exceptions.domainError import (
    DependencyUnavailableError,
    InvalidInputError,
    UnauthenticatedError,
    UpstreamError,
)


# Outbound: errors from calls we make to the payment gateway (BRI).
class GatewayRejectedError(UpstreamError):
    code = "gateway_rejected"
    message = "The payment gateway rejected the request"

    def __init__(self, responseCode: str = "", responseMessage: str = "", *, message: str | None = None) -> None:
        self.responseCode = responseCode
        self.responseMessage = responseMessage
        details = [{"responseCode": responseCode, "responseMessage": responseMessage}] if responseCode else None
        super().__init__(message, details=details)


class GatewayNotFoundError(GatewayRejectedError):
    code = "gateway_not_found"
    message = "The payment gateway does not know this virtual account or transaction"


class GatewayConflictError(GatewayRejectedError):
    code = "gateway_conflict"
    message = "The payment gateway refused the request as a conflict (a duplicate, or a virtual account already paid)"


# BRI's answer that the call itself was refused (the details carry its responseCode and responseMessage).
class GatewayCallRefusedError(UpstreamError):
    def __init__(self, responseCode: str = "", responseMessage: str = "") -> None:
        self.responseCode = responseCode
        self.responseMessage = responseMessage
        super().__init__(details=[{"responseCode": responseCode, "responseMessage": responseMessage}])


class GatewayAuthError(GatewayCallRefusedError):
    code = "gateway_auth_failed"
    message = "The payment gateway refused our credentials or signature"


# 409xx00: BRI saw this X-EXTERNAL-ID already today and did not process the call. No refusal of what was asked
# (never "a paid VA"): the transport sends the call again with a new id once, and raises this when BRI still says so.
class GatewayDuplicateExternalIdError(GatewayCallRefusedError):
    code = "gateway_duplicate_external_id"
    message = "The payment gateway saw this X-EXTERNAL-ID already today and did not process the request"


# outcomeUnknown: BRI may have done what was asked (a 2xx answer we cannot read, a 5xx answer, a timeout), so a
# failed create still cleans up its VA; False when BRI was not reached or refused the call.
class GatewayBadResponseError(UpstreamError):
    code = "gateway_bad_response"
    message = "The payment gateway answered something we cannot read"

    def __init__(self, message: str | None = None, *, outcomeUnknown: bool = False) -> None:
        self.outcomeUnknown = outcomeUnknown
        super().__init__(message)


class GatewayUnavailableError(DependencyUnavailableError):
    code = "gateway_unavailable"
    message = "The payment gateway is unavailable"

    def __init__(self, message: str | None = None, responseCode: str = "", *, outcomeUnknown: bool = False) -> None:
        self.responseCode = responseCode
        self.outcomeUnknown = outcomeUnknown or isinstance(self, GatewayTimeoutError)
        super().__init__(message)


class GatewayTimeoutError(GatewayUnavailableError):
    # The request may have been processed: reconcile with inquiry/status before retrying a create.
    code = "gateway_timeout"
    message = "The payment gateway did not answer in time; the outcome is unknown"


def outcomeUnknown(error: BaseException) -> bool:
    return isinstance(error, GatewayBadResponseError | GatewayUnavailableError) and error.outcomeUnknown


# What a call to BRI raises when BRI could not be asked or would not answer.
GATEWAY_ERRORS = (GatewayRejectedError, GatewayDuplicateExternalIdError, GatewayAuthError, GatewayBadResponseError,
                  GatewayUnavailableError)


# Inbound: calls the gateway makes to us (token request, payment notifications).
class InboundAuthError(UnauthenticatedError):
    code = "inbound_unauthorized"
    message = "The inbound call is not authenticated"


class InboundSignatureError(InboundAuthError):
    code = "inbound_signature_invalid"
    message = "The inbound signature does not verify"


class InboundTokenError(InboundAuthError):
    code = "inbound_token_invalid"
    message = "The inbound access token is missing, unknown or expired"


class InboundClientError(InboundAuthError):
    code = "inbound_client_unknown"
    message = "The inbound client key is unknown"


class InboundRequestError(InvalidInputError):
    code = "inbound_bad_request"
    message = "The inbound request is malformed"


class InboundMissingFieldError(InboundRequestError):
    code = "inbound_missing_field"
    message = "A mandatory header or field is missing"


class InboundFieldFormatError(InboundRequestError):
    code = "inbound_invalid_field_format"
    message = "A header or field has an invalid format"


class InboundTimestampError(InboundFieldFormatError):
    code = "inbound_timestamp_invalid"
    message = "X-TIMESTAMP is malformed or outside the accepted window"
