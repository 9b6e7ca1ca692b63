from __future__ import annotations

from pydantic import Field

from KSysAdmin.backend.application.dtoBase import InputModel


class LoginInput(InputModel):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)
    totpCode: str | None = Field(default=None, max_length=16)
    recoveryCode: str | None = Field(default=None, max_length=32)
