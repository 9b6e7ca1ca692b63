from __future__ import annotations

from pydantic import Field

from KAuthApp.backend.application.dtoBase import InputModel


class TokenInput(InputModel):
    token: str = Field(min_length=1, max_length=256)
