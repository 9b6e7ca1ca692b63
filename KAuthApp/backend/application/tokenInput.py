from __future__ import annotations

from typing import Annotated

from pydantic import Field

from KAuthApp.backend.application.dtoBase import InputModel
from KAuthApp.backend.application.textInput import NoNul


class TokenInput(InputModel):
    token: Annotated[str, NoNul] = Field(min_length=1, max_length=256)
