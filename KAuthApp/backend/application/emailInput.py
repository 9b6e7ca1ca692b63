from __future__ import annotations

from pydantic import EmailStr, Field

from KAuthApp.backend.application.dtoBase import InputModel


class EmailInput(InputModel):
    email: EmailStr = Field(max_length=254)
