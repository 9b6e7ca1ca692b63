from __future__ import annotations

from typing import Literal

from KAuthApp.backend.application.dtoBase import OutputModel


class TokenOutput(OutputModel):
    accessToken: str
    refreshToken: str
    tokenType: Literal["bearer"] = "bearer"
    expiresIn: int
