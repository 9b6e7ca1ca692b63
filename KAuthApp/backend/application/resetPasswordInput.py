from __future__ import annotations

from pydantic import Field

from KAuthApp.backend.application.dtoBase import InputModel


class ResetPasswordInput(InputModel):
    token: str = Field(min_length=1, max_length=256)
    newPassword: str = Field(max_length=1024)
