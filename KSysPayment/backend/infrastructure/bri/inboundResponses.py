from __future__ import annotations

from KSysPayment.backend.domain.exceptions.gatewayErrors import (
    InboundAuthError,
    InboundFieldFormatError,
    InboundMissingFieldError,
    InboundRequestError,
    InboundTokenError,
)
from shared.backend.exceptions.domainError import DomainError

# SNAP service codes of the calls BRI makes to us.
TOKEN_SERVICE_CODE = "73"  # noqa: S105 - a service code, not a secret
VA_NOTIFY_SERVICE_CODE = "34"
QRIS_NOTIFY_SERVICE_CODE = "52"


def snapBody(responseCode: str, responseMessage: str) -> dict[str, str]:
    return {"responseCode": responseCode, "responseMessage": responseMessage}


def snapSuccessBody(serviceCode: str) -> dict[str, str]:
    return snapBody(f"200{serviceCode}00", "Successful")


def fieldOf(error: DomainError) -> str:
    field = error.details[0].get("field") if error.details else None
    return str(field) if field else error.message


def snapErrorResponse(serviceCode: str, error: DomainError) -> tuple[int, dict[str, str]]:
    # BRI's format: HTTP status + service code + case, e.g. 4013400 signature, 4013401 token.
    if isinstance(error, InboundTokenError):
        return 401, snapBody(f"401{serviceCode}01", "Invalid Token (B2B)")
    if isinstance(error, InboundAuthError):
        return 401, snapBody(f"401{serviceCode}00", "Unauthorized. [Signature]")
    if isinstance(error, InboundMissingFieldError):
        return 400, snapBody(f"400{serviceCode}02", f"Invalid Mandatory Field [{fieldOf(error)}]")
    if isinstance(error, InboundFieldFormatError):
        return 400, snapBody(f"400{serviceCode}01", f"Invalid Field Format [{fieldOf(error)}]")
    if isinstance(error, InboundRequestError):
        return 400, snapBody(f"400{serviceCode}00", f"Bad Request [{error.message}]")
    return 500, snapBody(f"500{serviceCode}00", "General Error")
