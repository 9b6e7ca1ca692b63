from __future__ import annotations

from pydantic import Field

from KAuthApp.backend.application.dtoBase import InputModel


class LoginInput(InputModel):
    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=1024)
    totpCode: str | None = Field(default=None, max_length=16)
    recoveryCode: str | None = Field(default=None, max_length=32)
    deviceFingerprint: str | None = Field(default=None, max_length=256)
