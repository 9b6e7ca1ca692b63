from __future__ import annotations

from pydantic import Field

from KAuthApp.backend.application.dtoBase import InputModel


# Empty when the refresh token travels in the kauth_refresh cookie instead.
class RefreshInput(InputModel):
    refreshToken: str | None = Field(default=None, min_length=1, max_length=256)
