from __future__ import annotations

from KAuthApp.backend.domain.exceptions.authErrors import (
    AccountDisabledError,
    AccountLockedError,
    AdminAccountError,
    DuplicateEmailError,
    EmailNotVerifiedError,
    ForeignOriginError,
    InvalidCredentialsError,
    InvalidMfaCodeError,
    InvalidRefreshTokenError,
    MfaAlreadyEnabledError,
    MfaNotEnabledError,
    MfaNotSetUpError,
    MfaRequiredError,
    PaymentsPendingError,
    PaymentsUnsettledError,
    RefreshTokenReusedError,
    SessionNotFoundError,
    TokenInvalidOrUsedError,
    UserNotFoundError,
    WeakPasswordError,
    WrongPasswordError,
)
from shared.backend.exceptions.domainError import DomainError
from shared.backend.openapiDocs import ErrorAnswers, errorAnswers

AUTH_STATUS_TABLE: dict[type[DomainError], int] = {
    InvalidCredentialsError: 401,
    MfaRequiredError: 401,
    InvalidMfaCodeError: 401,
    InvalidRefreshTokenError: 401,
    RefreshTokenReusedError: 401,
    UserNotFoundError: 401,
    EmailNotVerifiedError: 403,
    ForeignOriginError: 403,
    AccountDisabledError: 403,
    WrongPasswordError: 403,
    AccountLockedError: 423,
    TokenInvalidOrUsedError: 400,
    WeakPasswordError: 422,
    SessionNotFoundError: 404,
    MfaAlreadyEnabledError: 409,
    MfaNotSetUpError: 409,
    MfaNotEnabledError: 409,
    DuplicateEmailError: 409,
    PaymentsPendingError: 409,
    PaymentsUnsettledError: 409,
    AdminAccountError: 409,
}


# A route's own errors for its OpenAPI answers (`responses=...Answers(...)`), mapped through this table.
def authAnswers(*errors: type[DomainError]) -> ErrorAnswers:
    return errorAnswers(AUTH_STATUS_TABLE, *errors)
