from __future__ import annotations

from typing import Annotated

from pydantic import Field

from KAuthApp.backend.application.dtoBase import InputModel
from KAuthApp.backend.application.textInput import NoNul


# Empty when the refresh token travels in the kauth_refresh cookie instead.
class RefreshInput(InputModel):
    refreshToken: Annotated[str, Field(min_length=1, max_length=256), NoNul] | None = None
