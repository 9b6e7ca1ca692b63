from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from KSysAdmin.backend.application.dtoBase import InputModel

RoleName = Literal["user", "admin", "superadmin"]


# The list replaces the account's roles: a repeat is a mistake to name, not to drop without a word.
def withoutRepeats(roles: list[RoleName]) -> list[RoleName]:
    repeated = sorted({role for role in roles if roles.count(role) > 1})
    if repeated:
        raise ValueError(f"{repeated[0]} is listed twice")
    return roles


class RolesInput(InputModel):
    roles: Annotated[list[RoleName], Field(min_length=1, max_length=3), AfterValidator(withoutRepeats)]
