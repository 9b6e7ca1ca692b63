from __future__ import annotations

from typing import Literal

from KSysAdmin.backend.application.dtoBase import OutputModel


class TokenOutput(OutputModel):
    accessToken: str
    tokenType: Literal["bearer"] = "bearer"
    expiresIn: int
    roles: list[str]
