from __future__ import annotations

from pydantic.networks import validate_email


# How every path stores and looks up an address: what pydantic's EmailStr keeps (email-validator's normalized
# form: display name dropped, IDNA domain in Unicode, NFC), lowercased. Raises ValueError on a malformed one.
def normalizeEmail(address: str) -> str:
    return validate_email(address)[1].lower()


# The address to look an account up by at login: as register stored it; a malformed one as typed (it finds
# no account and is refused like any unknown address, never with a 422 that tells it apart).
def lookupEmail(address: str) -> str:
    try:
        return normalizeEmail(address)
    except ValueError:
        return address.strip().lower()
