from __future__ import annotations

from pydantic import EmailStr, Field

from KAuthApp.backend.application.dtoBase import InputModel


class RegisterInput(InputModel):
    email: EmailStr = Field(max_length=254)
    password: str = Field(max_length=1024)
    displayName: str | None = Field(default=None, min_length=1, max_length=100)
