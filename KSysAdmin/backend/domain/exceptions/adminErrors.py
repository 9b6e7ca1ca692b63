from __future__ import annotations

from shared.backend.exceptions.domainError import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    UnauthenticatedError,
    UnprocessableError,
)


class InvalidCredentialsError(UnauthenticatedError):
    code = "invalid_credentials"
    message = "The email or password is wrong, or the account may not use the admin console"


class MissingTokenError(UnauthenticatedError):
    code = "unauthenticated"
    message = "An admin access token is required"


class AdminAccessRevokedError(UnauthenticatedError):
    code = "invalid_token"
    message = "The access token is invalid or expired"


class MfaEnrollmentRequiredError(PermissionDeniedError):
    code = "mfa_enrollment_required"
    message = ("The admin console needs two-factor authentication: turn it on in your account (/auth/), then sign "
               "in again")


class InsufficientRoleError(PermissionDeniedError):
    code = "insufficient_role"
    message = "Your role does not allow this action"


class UserNotFoundError(NotFoundError):
    code = "user_not_found"
    message = "The user does not exist"


class PaymentNotFoundError(NotFoundError):
    code = "payment_not_found"
    message = "The payment does not exist"


# Deleted by its holder (anonymized): the row stays for the payments and audit entries, and no admin changes it.
class AccountDeletedError(ConflictError):
    code = "account_deleted"
    message = "The user deleted this account; it can no longer be changed"


class InvalidStatusTransitionError(ConflictError):
    code = "invalid_status_transition"
    message = "The user's current status does not allow this action"


class LastSuperadminError(ConflictError):
    code = "last_superadmin"
    message = "The last active superadmin cannot be demoted, locked or disabled"


class SelfActionError(ConflictError):
    code = "cannot_target_self"
    message = "Admins cannot change the status of, or reset the MFA of, their own account"


class StaleVersionError(ConflictError):
    code = "stale_version"
    message = "The setting was changed meanwhile: reload it and apply your change again"


class FlagNotOpenError(ConflictError):
    code = "flag_not_open"
    message = "The payment has no flag to resolve, or an admin already resolved it"


# Separation of duties: a flag on an admin's own payment (a refund to themselves) is for another admin.
class OwnPaymentFlagError(ConflictError):
    code = "cannot_target_self"
    message = "Admins cannot resolve the flag of their own payment: another admin must"


class PaymentChangedError(ConflictError):
    code = "payment_changed"
    message = "The payment changed since you loaded it: reload it and check it again"


class AccountNotPromotableError(ConflictError):
    code = "account_not_promotable"
    message = "The account is not active and cannot be made a superadmin"


class EmailTakenError(ConflictError):
    code = "email_taken"
    message = "An account with this email address was created meanwhile"


class MfaNotEnabledError(ConflictError):
    code = "mfa_not_enabled"
    message = "Two-factor authentication is not enabled for this user"


class InvalidSettingError(UnprocessableError):
    code = "invalid_setting"
    message = "The setting is invalid"


# A rule's scope its route group cannot use (user where no signed-in user reaches the group): a field error.
class ScopeNotAllowedError(UnprocessableError):
    message = "The request failed validation"


class InvalidCursorError(UnprocessableError):
    code = "invalid_cursor"
    message = "The pagination cursor is invalid"


class WeakPasswordError(UnprocessableError):
    code = "weak_password"
    message = "The password is too weak"
