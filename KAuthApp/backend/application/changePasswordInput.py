from __future__ import annotations

from pydantic import Field

from KAuthApp.backend.application.dtoBase import InputModel


class ChangePasswordInput(InputModel):
    currentPassword: str = Field(min_length=1, max_length=1024)
    newPassword: str = Field(max_length=1024)
