from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from shared.backend.cryptoFactory import DecryptionError
from shared.backend.exceptions.dependencyErrors import HANDLED, classify
from shared.backend.exceptions.domainError import (
    ConflictError,
    DependencyUnavailableError,
    DomainError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    UnauthenticatedError,
    UnprocessableError,
    UpstreamError,
)
from shared.backend.exceptions.envelope import codeForStatus, errorResponse
from shared.backend.http.mediaType import NOT_JSON_MESSAGE, isMediaTypeRefusal
from shared.backend.loggingFactory import getSystemLogger
from shared.backend.middleware.unhandledErrors import UnhandledErrorMiddleware

# Services extend this table with their own domain errors; lookup follows the class hierarchy.
DEFAULT_STATUS_TABLE: dict[type[DomainError], int] = {
    InvalidInputError: 400,
    UnauthenticatedError: 401,
    PermissionDeniedError: 403,
    NotFoundError: 404,
    ConflictError: 409,
    UnprocessableError: 422,
    RateLimitedError: 429,
    UpstreamError: 502,
    DependencyUnavailableError: 503,
}

logger = getSystemLogger("errors")


def requestIdOf(request: Request) -> str | None:
    return getattr(request.state, "requestId", None)


def statusFor(error: DomainError, table: Mapping[type[DomainError], int]) -> int:
    for klass in type(error).__mro__:
        if klass in table:
            return table[klass]
    return 400


def validationDetails(error: RequestValidationError) -> list[dict[str, object]]:
    details = []
    for item in error.errors():
        location = [str(part) for part in item.get("loc", ())]
        details.append({
            "field": ".".join(location[1:]) if len(location) > 1 else ".".join(location),
            "location": location[0] if location else "body",
            "message": str(item.get("msg", "invalid value")),
            "type": str(item.get("type", "value_error")),
        })
    return details


ALLOW_CANDIDATES = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


# Starlette's 405 names only the first route that matched the path (GET /payments answered PUT with "Allow: POST");
# RFC 9110 wants every method the resource supports.
def allowedMethods(request: Request) -> str:
    methods = [method for method in ALLOW_CANDIDATES if any(
        route.matches({**request.scope, "method": method})[0] == Match.FULL for route in request.app.router.routes)]
    return ", ".join(methods)


# A body refused for its media type (shared/backend/http/mediaType.py) is 415, whichever handler renders it (the
# admin app's audits it under this code first); every other failure is 422.
def validationAnswer(details: list[dict[str, object]]) -> tuple[int, str, str]:
    if isMediaTypeRefusal(details):
        return 415, "unsupported_media_type", NOT_JSON_MESSAGE
    return 422, "validation_failed", "The request failed validation"


def validationResponse(request: Request, details: list[dict[str, object]]) -> JSONResponse:
    status, code, message = validationAnswer(details)
    return errorResponse(status, code, message, requestIdOf(request), details)


def installErrorHandlers(app: FastAPI, table: Mapping[type[DomainError], int] | None = None) -> None:
    statusTable = {**DEFAULT_STATUS_TABLE, **(table or {})}

    async def onDomainError(request: Request, error: DomainError) -> JSONResponse:
        status = statusFor(error, statusTable)
        logger.application("domain_error", error.message, code=error.code, status=status)
        return errorResponse(status, error.code, error.message, requestIdOf(request), error.details,
                             getattr(error, "headers", None))

    async def onValidationError(request: Request, error: RequestValidationError) -> JSONResponse:
        return validationResponse(request, validationDetails(error))

    async def onHttpError(request: Request, error: StarletteHTTPException) -> JSONResponse:
        message = error.detail if isinstance(error.detail, str) else "Request failed"
        headers = dict(error.headers or {})
        if error.status_code == 405 and (allowed := allowedMethods(request)):
            headers["Allow"] = allowed
        return errorResponse(error.status_code, codeForStatus(error.status_code), message,
                             requestIdOf(request), headers=headers)

    # A stored value that no configured key opens (a key rotation without the old key in
    # CRYPTO_PREVIOUS_MASTER_KEYS, changed CRYPTO_ARGON2_* settings, a damaged value): the client is not at fault and
    # another instance may hold the right keys. The log names the request, never the value or a key.
    async def onDecryptionError(request: Request, error: DecryptionError) -> JSONResponse:
        logger.error("stored_data_unreadable", "A stored encrypted value opens under no configured key (check "
                     "CRYPTO_MASTER_KEY, CRYPTO_PREVIOUS_MASTER_KEYS and CRYPTO_ARGON2_*; docs/crypto.md)",
                     reason=str(error), method=request.method, path=request.url.path)
        return errorResponse(503, "stored_data_unreadable", "Stored data cannot be read at the moment",
                             requestIdOf(request))

    async def onInfrastructureError(request: Request, error: Exception) -> JSONResponse:
        classified = classify(error)
        if classified is None:
            raise error
        logger.error("dependency_error", classified.message, error, method=request.method, path=request.url.path)
        return errorResponse(classified.status, classified.code, classified.message, requestIdOf(request))

    app.add_exception_handler(DomainError, onDomainError)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, onValidationError)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, onHttpError)  # type: ignore[arg-type]
    app.add_exception_handler(DecryptionError, onDecryptionError)  # type: ignore[arg-type]
    for errorClass in HANDLED:
        app.add_exception_handler(errorClass, onInfrastructureError)
    app.add_middleware(UnhandledErrorMiddleware)
