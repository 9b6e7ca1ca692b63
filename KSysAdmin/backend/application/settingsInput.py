from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from KSysAdmin.backend.application.dtoBase import InputModel
from shared.backend.utils.origin import checkOrigin

RouteGroupName = Literal[
    "auth-login", "auth-register", "password-reset", "auth", "auth-export", "payment-create", "payment",
    "payment-callback", "admin-login", "admin", "default",
]


# system_settings.version is int4 and a write stores version + 1: the highest version a PUT may send.
MAX_VERSION = 2**31 - 2

Origin = Annotated[str, Field(max_length=255), AfterValidator(checkOrigin)]


class CorsInput(InputModel):
    version: int = Field(ge=0, le=MAX_VERSION)
    origins: list[Origin] = Field(max_length=50)


class RateLimitRuleInput(InputModel):
    routeGroup: RouteGroupName
    scope: Literal["ip", "user"]
    limit: int = Field(ge=1, le=1_000_000)
    windowSeconds: int = Field(ge=1, le=86_400)
    failMode: Literal["open", "closed"]
    enabled: bool = True


class RateLimitsInput(InputModel):
    version: int = Field(ge=0, le=MAX_VERSION)
    rules: list[RateLimitRuleInput] = Field(max_length=50)


# The gateway's defaults file: its built-in rule of every route group, and the groups whose requests carry no
# signed-in user (logins, registration, password reset, BRI's callbacks, the health checks), which only an
# ip scope may limit.
class RateLimitDefaults(InputModel):
    anonymousGroups: list[RouteGroupName]
    rules: list[RateLimitRuleInput]
