from __future__ import annotations

from collections.abc import Mapping, Sequence

from fastapi.responses import JSONResponse

REQUEST_ID_HEADER = "X-Request-ID"
# What a 503 asks the client to wait before retrying.
RETRY_AFTER_SECONDS = "5"

STATUS_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


def codeForStatus(status: int) -> str:
    return STATUS_CODES.get(status, "bad_request" if status < 500 else "internal_error")


def errorBody(
    code: str, message: str, requestId: str | None, details: Sequence[Mapping[str, object]] = ()
) -> dict[str, object]:
    return {"error": {"code": code, "message": message, "requestId": requestId, "details": list(details)}}


def errorResponse(
    status: int,
    code: str,
    message: str,
    requestId: str | None,
    details: Sequence[Mapping[str, object]] = (),
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    allHeaders = dict(headers or {})
    if status == 503:
        allHeaders.setdefault("Retry-After", RETRY_AFTER_SECONDS)  # every 503 says when to retry
    if requestId:
        allHeaders[REQUEST_ID_HEADER] = requestId
    return JSONResponse(errorBody(code, message, requestId, details), status_code=status, headers=allHeaders)
