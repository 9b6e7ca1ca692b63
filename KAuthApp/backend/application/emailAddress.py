from __future__ import annotations

from pydantic.networks import validate_email


# How every path stores and looks up an address: what pydantic's EmailStr keeps (email-validator's normalized
# form: display name dropped, IDNA domain in Unicode, NFC), lowercased. Raises ValueError on a malformed one.
def normalizeEmail(address: str) -> str:
    return validate_email(address)[1].lower()
