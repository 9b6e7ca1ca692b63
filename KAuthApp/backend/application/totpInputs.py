from __future__ import annotations

from pydantic import Field

from KAuthApp.backend.application.dtoBase import InputModel


class TotpSetupInput(InputModel):
    password: str = Field(min_length=1, max_length=1024)


class TotpCodeInput(InputModel):
    code: str = Field(min_length=1, max_length=16)


class TotpDisableInput(InputModel):
    password: str = Field(min_length=1, max_length=1024)
    code: str | None = Field(default=None, max_length=16)
    recoveryCode: str | None = Field(default=None, max_length=32)
