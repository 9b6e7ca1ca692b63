from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field

from KSysAdmin.backend.application.dtoBase import InputModel

RouteGroupName = Literal[
    "auth-login", "auth-register", "password-reset", "auth", "payment-create", "payment", "payment-callback",
    "admin-login", "admin", "default",
]


def checkOrigin(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or "*" in value:
        raise ValueError("must be an explicit http(s) origin such as https://app.example.com")
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("must be an origin only: scheme, host and optional port, no path")
    try:
        parts.port  # noqa: B018
    except ValueError:
        raise ValueError("has an invalid port") from None
    return value.lower()


Origin = Annotated[str, Field(max_length=255), AfterValidator(checkOrigin)]


class CorsInput(InputModel):
    version: int = Field(ge=0)
    origins: list[Origin] = Field(max_length=50)


class RateLimitRuleInput(InputModel):
    routeGroup: RouteGroupName
    scope: Literal["ip", "user"]
    limit: int = Field(ge=1, le=1_000_000)
    windowSeconds: int = Field(ge=1, le=86_400)
    failMode: Literal["open", "closed"]
    enabled: bool = True


class RateLimitsInput(InputModel):
    version: int = Field(ge=0)
    rules: list[RateLimitRuleInput] = Field(max_length=50)
