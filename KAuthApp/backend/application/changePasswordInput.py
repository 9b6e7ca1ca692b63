from __future__ import annotations

from pydantic import Field

from KAuthApp.backend.application.dtoBase import InputModel
from KAuthApp.backend.application.textInput import NewPassword


class ChangePasswordInput(InputModel):
    currentPassword: str = Field(min_length=1, max_length=1024)
    newPassword: NewPassword
