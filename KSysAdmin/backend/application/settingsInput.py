from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field

from KSysAdmin.backend.application.dtoBase import InputModel

RouteGroupName = Literal[
    "auth-login", "auth-register", "password-reset", "auth", "payment-create", "payment", "payment-callback",
    "admin-login", "admin", "default",
]


HOST_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
DEFAULT_PORTS = {"http": 80, "https": 443}


def isHost(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return all(HOST_LABEL.match(label) for label in host.split("."))


# Stored as a browser sends it in Origin: lower case, ASCII (punycode) host, no default port.
def checkOrigin(value: str) -> str:
    parts = urlsplit(value.lower())
    if parts.scheme not in ("http", "https") or not parts.hostname or "*" in value:
        raise ValueError("must be an explicit http(s) origin such as https://app.example.com")
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("must be an origin only: scheme, host and optional port, no path")
    if not isHost(parts.hostname):
        raise ValueError("has an invalid host (use the punycode form of an international name)")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("has an invalid port") from None
    if parts.netloc.endswith(":"):
        raise ValueError("has an invalid port")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    shown = "" if port is None or port == DEFAULT_PORTS[parts.scheme] else f":{port}"
    return f"{parts.scheme}://{host}{shown}"


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
