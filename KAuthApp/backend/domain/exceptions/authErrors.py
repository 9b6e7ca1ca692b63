from __future__ import annotations

from collections.abc import Mapping, Sequence

from shared.backend.exceptions.domainError import (
    ConflictError,
    DomainError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    UnauthenticatedError,
    UnprocessableError,
)

# Shared with the admin console's login.
from shared.backend.security.secondFactorErrors import InvalidMfaCodeError as InvalidMfaCodeError
from shared.backend.security.secondFactorErrors import MfaRequiredError as MfaRequiredError


class InvalidCredentialsError(UnauthenticatedError):
    code = "invalid_credentials"
    message = "The email or password is wrong"


class EmailNotVerifiedError(PermissionDeniedError):
    code = "email_not_verified"
    message = "Verify your email address before signing in"


class AccountDisabledError(PermissionDeniedError):
    code = "account_disabled"
    message = "This account is disabled"


class AccountLockedError(DomainError):
    code = "account_locked"
    message = "This account is locked"

    def __init__(self, retryAfterSeconds: int | None = None) -> None:
        details: Sequence[Mapping[str, object]] = (
            [{"field": "retryAfter", "retryAfter": retryAfterSeconds}] if retryAfterSeconds is not None else []
        )
        super().__init__(details=details)
        self.headers = {"Retry-After": str(retryAfterSeconds)} if retryAfterSeconds is not None else None


class InvalidRefreshTokenError(UnauthenticatedError):
    code = "invalid_token"
    message = "The refresh token is invalid or expired"


class RefreshTokenReusedError(UnauthenticatedError):
    code = "refresh_token_reused"
    message = "This refresh token was already used; every session of its family has been ended"


class TokenInvalidOrUsedError(InvalidInputError):
    code = "token_invalid_or_used"
    message = "The link is invalid, expired or already used"


class WeakPasswordError(UnprocessableError):
    code = "weak_password"
    message = "The password does not meet the password policy"

    # field: the body field that holds the refused password (password, or newPassword on change and reset).
    def __init__(self, rule: str, message: str, field: str) -> None:
        super().__init__(details=[{"field": field, "rule": rule, "message": message}])


class SessionNotFoundError(NotFoundError):
    code = "session_not_found"
    message = "No such active session"


class UserNotFoundError(UnauthenticatedError):
    code = "invalid_token"
    message = "The account no longer exists"


class MfaAlreadyEnabledError(ConflictError):
    code = "mfa_already_enabled"
    message = "Two-factor authentication is already enabled"


class MfaNotSetUpError(ConflictError):
    code = "mfa_not_set_up"
    message = "Start the authenticator setup first"


class MfaNotEnabledError(ConflictError):
    code = "mfa_not_enabled"
    message = "Two-factor authentication is not enabled"


class PaymentsPendingError(ConflictError):
    code = "payments_pending"
    message = "Finish or cancel your pending payments before deleting the account"


# A closed QR BRI may still take (recheck_at set) or an open flag, maybe a refund owed: the user must stay reachable.
class PaymentsUnsettledError(ConflictError):
    code = "payments_unsettled"
    message = ("A payment of yours may still be paid or is being reviewed by our staff: the account can be deleted "
               "once it is settled")


class AdminAccountError(ConflictError):
    code = "admin_account"
    message = "An administrator's account is deleted only after another administrator removes its admin roles"


class DuplicateEmailError(ConflictError):
    code = "duplicate_email"
    message = "An account with this email already exists"


# Re-authentication inside a signed-in session (password change, MFA disable): 403, so that a
# client does not mistake it for an expired session.
class WrongPasswordError(PermissionDeniedError):
    code = "invalid_password"
    message = "The password is wrong"


# A cookie-only refresh or logout sent by a page of another origin (a sibling subdomain is the same site, so
# SameSite=Strict still sends the cookie).
class ForeignOriginError(PermissionDeniedError):
    code = "origin_not_allowed"
    message = "This request did not come from the account pages"
