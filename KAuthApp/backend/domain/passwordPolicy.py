from __future__ import annotations

from KAuthApp.backend.domain.commonPasswords import commonPasswords
from KAuthApp.backend.domain.exceptions.authErrors import WeakPasswordError
from shared.backend.security.passwordForm import passwordForm

MIN_LENGTH = 8
MAX_LENGTH = 128
MIN_LOCAL_PART = 3


# NIST SP 800-63B: length, no context words, no commonly used passwords; no composition rules. Judged in the form
# that is hashed (NFKC).
def checkPassword(password: str, email: str, field: str = "password") -> None:
    password = passwordForm(password)
    if len(password) < MIN_LENGTH:
        raise WeakPasswordError("min_length", f"Use at least {MIN_LENGTH} characters", field)
    if len(password) > MAX_LENGTH:
        raise WeakPasswordError("max_length", f"Use at most {MAX_LENGTH} characters", field)
    localPart = email.strip().lower().partition("@")[0]
    lowered = password.lower()
    if len(localPart) >= MIN_LOCAL_PART and localPart in lowered:
        raise WeakPasswordError("contains_email", "The password must not contain your email address", field)
    if lowered in commonPasswords():
        raise WeakPasswordError("common_password", "This password is too common", field)
