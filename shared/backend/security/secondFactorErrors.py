from __future__ import annotations

from shared.backend.exceptions.domainError import UnauthenticatedError


# The answers of a login that needs a second factor, the same in KAuthApp and the admin console (401 in both).
class MfaRequiredError(UnauthenticatedError):
    code = "mfa_required"
    message = "A one-time code from your authenticator app or a recovery code is required"

    def __init__(self) -> None:
        super().__init__(details=[{"field": "totpCode", "message": "required", "methods": ["totp", "recovery_code"]}])


class InvalidMfaCodeError(UnauthenticatedError):
    code = "invalid_mfa_code"
    message = "The one-time code is invalid or already used"
