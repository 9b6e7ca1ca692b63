from __future__ import annotations

from pydantic import EmailStr, Field

from KAuthApp.backend.application.dtoBase import InputModel
from KAuthApp.backend.application.textInput import DisplayName, NewPassword


class RegisterInput(InputModel):
    email: EmailStr = Field(max_length=254)
    password: NewPassword
    displayName: DisplayName | None = None
