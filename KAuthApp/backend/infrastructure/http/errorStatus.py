from __future__ import annotations

from KAuthApp.backend.domain.exceptions.authErrors import (
    AccountDisabledError,
    AccountLockedError,
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
    RefreshTokenReusedError,
    SessionNotFoundError,
    TokenInvalidOrUsedError,
    UserNotFoundError,
    WeakPasswordError,
    WrongPasswordError,
)
from shared.backend.exceptions.domainError import DomainError

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
}
