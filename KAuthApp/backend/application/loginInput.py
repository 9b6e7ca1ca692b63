from __future__ import annotations

from typing import Annotated

from pydantic import Field

from KAuthApp.backend.application.dtoBase import InputModel
from KAuthApp.backend.application.textInput import NoControls, NoHidden, NoNul


# The password is taken as typed (see textInput.NewPassword); the email is only looked up, so a malformed one is
# refused like an unknown one, but a NUL is a 422 (no account can hold one).
class LoginInput(InputModel):
    email: Annotated[str, NoNul] = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=1024)
    totpCode: Annotated[str, Field(max_length=16), NoNul] | None = None
    recoveryCode: Annotated[str, Field(max_length=32), NoNul] | None = None
    deviceFingerprint: Annotated[str, Field(max_length=256), NoControls, NoHidden] | None = None
