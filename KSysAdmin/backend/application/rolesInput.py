from __future__ import annotations

from typing import Literal

from pydantic import Field

from KSysAdmin.backend.application.dtoBase import InputModel


class RolesInput(InputModel):
    roles: list[Literal["user", "admin", "superadmin"]] = Field(max_length=3)
