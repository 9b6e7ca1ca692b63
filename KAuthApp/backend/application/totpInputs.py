from __future__ import annotations

from typing import Annotated

from pydantic import Field

from KAuthApp.backend.application.dtoBase import InputModel
from KAuthApp.backend.application.textInput import NoNul


# The passwords are checked, taken as typed (see textInput.NewPassword).
class TotpSetupInput(InputModel):
    password: str = Field(min_length=1, max_length=1024)


class TotpCodeInput(InputModel):
    code: Annotated[str, NoNul] = Field(min_length=1, max_length=16)


class TotpDisableInput(InputModel):
    password: str = Field(min_length=1, max_length=1024)
    code: Annotated[str, Field(max_length=16), NoNul] | None = None
    recoveryCode: Annotated[str, Field(max_length=32), NoNul] | None = None
