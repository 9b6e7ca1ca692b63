from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from KAuthApp.backend.application.dtoBase import InputModel
from KAuthApp.backend.application.textInput import DisplayName

# Digits with spaces or dashes (stored without them), at most 24 characters with the "+".
PHONE_PATTERN = r"^\+?[0-9][0-9 \-]{0,22}$"
# E.164 numbers have at most 15 digits; the shortest in service (Niue's +683 and 4 digits) have 7.
PHONE_DIGITS = (7, 15)


# A stored number is one a person could dial: its digits are counted, not its separators.
def dialableDigits(value: str) -> str:
    if not PHONE_DIGITS[0] <= sum(character.isdigit() for character in value) <= PHONE_DIGITS[1]:
        raise ValueError(f"must have {PHONE_DIGITS[0]} to {PHONE_DIGITS[1]} digits")
    return value


PhoneNumber = Annotated[str, Field(pattern=PHONE_PATTERN), AfterValidator(dialableDigits)]


# PATCH semantics: an absent field stays, null clears it.
class ProfileInput(InputModel):
    displayName: DisplayName | None = None
    phoneNumber: PhoneNumber | None = None
