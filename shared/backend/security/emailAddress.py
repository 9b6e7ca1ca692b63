from __future__ import annotations

from pydantic.networks import validate_email


# How every path stores and looks up an address: what pydantic's EmailStr keeps (email-validator's normalized
# form: display name dropped, IDNA domain in Unicode, NFC), lowercased. Raises ValueError on a malformed one.
def normalizeEmail(address: str) -> str:
    return validate_email(address)[1].lower()


# The address to look an account up by at login: as register stored it; a malformed one as typed (it finds
# no account and is refused like any unknown address, never with a 422 that tells it apart).
def lookupEmail(address: str) -> str:
    typed = address.strip().lower()
    # A plain ASCII address (no IDNA label, display name or quoting) normalizes to itself lowercased: the
    # login's hot path skips email-validator's ~40 us there.
    if typed.isascii() and "xn--" not in typed and not any(mark in typed for mark in '<>"'):
        return typed
    try:
        return normalizeEmail(address)
    except ValueError:
        return typed

