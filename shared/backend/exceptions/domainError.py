from __future__ import annotations

from collections.abc import Mapping, Sequence


class DomainError(Exception):
    code = "domain_error"
    message = "The request could not be completed"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        details: Sequence[Mapping[str, object]] | None = None,
    ) -> None:
        self.message = message or type(self).message
        self.code = code or type(self).code
        self.details = [dict(item) for item in details or ()]
        super().__init__(self.message)


class InvalidInputError(DomainError):
    code = "invalid_input"
    message = "The request is invalid"


class UnauthenticatedError(DomainError):
    code = "unauthenticated"
    message = "Authentication is required"


class PermissionDeniedError(DomainError):
    code = "permission_denied"
    message = "You are not allowed to do this"


class NotFoundError(DomainError):
    code = "not_found"
    message = "The resource does not exist"


class ConflictError(DomainError):
    code = "conflict"
    message = "The request conflicts with the current state"


class UnprocessableError(DomainError):
    code = "validation_failed"
    message = "The request failed validation"


class RateLimitedError(DomainError):
    code = "rate_limited"
    message = "Too many requests"


class DependencyUnavailableError(DomainError):
    code = "service_unavailable"
    message = "A dependency is unavailable"


class UpstreamError(DomainError):
    code = "upstream_error"
    message = "An upstream service failed"
