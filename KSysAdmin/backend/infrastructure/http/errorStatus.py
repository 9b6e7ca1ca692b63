from __future__ import annotations

from KSysAdmin.backend.application.sessionRevoker import SessionKeysNotRemovedError
from KSysAdmin.backend.application.settingsPublication import SettingsNotPublishedError
from KSysAdmin.backend.domain.exceptions.adminErrors import (
    AccountDeletedError,
    AccountNotPromotableError,
    AdminAccessRevokedError,
    FlagNotOpenError,
    InsufficientRoleError,
    InvalidCredentialsError,
    InvalidCursorError,
    InvalidSettingError,
    InvalidStatusTransitionError,
    LastSuperadminError,
    MfaNotEnabledError,
    MissingTokenError,
    OwnPaymentFlagError,
    PaymentChangedError,
    PaymentNotFoundError,
    ScopeNotAllowedError,
    SelfActionError,
    StaleVersionError,
    UserNotFoundError,
    WeakPasswordError,
)
from shared.backend.exceptions.domainError import DomainError
from shared.backend.openapiDocs import ErrorAnswers, errorAnswers
from shared.backend.security.jwtCodec import InvalidTokenError
from shared.backend.security.secondFactorErrors import InvalidMfaCodeError, MfaRequiredError

# KSysAdmin's errors and their HTTP statuses; anything else falls back on the shared table.
ADMIN_STATUS_TABLE: dict[type[DomainError], int] = {
    InvalidCredentialsError: 401,
    MfaRequiredError: 401,
    InvalidMfaCodeError: 401,
    MissingTokenError: 401,
    InvalidTokenError: 401,
    AdminAccessRevokedError: 401,
    InsufficientRoleError: 403,
    UserNotFoundError: 404,
    PaymentNotFoundError: 404,
    InvalidStatusTransitionError: 409,
    AccountDeletedError: 409,
    LastSuperadminError: 409,
    MfaNotEnabledError: 409,
    AccountNotPromotableError: 409,
    SelfActionError: 409,
    StaleVersionError: 409,
    FlagNotOpenError: 409,
    PaymentChangedError: 409,
    OwnPaymentFlagError: 409,
    InvalidSettingError: 422,
    ScopeNotAllowedError: 422,
    InvalidCursorError: 422,
    WeakPasswordError: 422,
    SessionKeysNotRemovedError: 503,
    SettingsNotPublishedError: 503,
}


# A route's own errors for its OpenAPI answers (`responses=...Answers(...)`), mapped through this table.
def adminAnswers(*errors: type[DomainError]) -> ErrorAnswers:
    return errorAnswers(ADMIN_STATUS_TABLE, *errors)
