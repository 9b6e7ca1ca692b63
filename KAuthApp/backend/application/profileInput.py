from __future__ import annotations

from pydantic import Field

from KAuthApp.backend.application.dtoBase import InputModel
from KAuthApp.backend.application.textInput import DisplayName

PHONE_PATTERN = r"^\+?[0-9][0-9 \-]{5,22}$"


# PATCH semantics: an absent field stays, null clears it.
class ProfileInput(InputModel):
    displayName: DisplayName | None = None
    phoneNumber: str | None = Field(default=None, pattern=PHONE_PATTERN)
