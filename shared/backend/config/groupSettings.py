from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, TypeVar
from urllib.parse import urlsplit

from pydantic import BeforeValidator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from shared.backend.utils.origin import isHost

T = TypeVar("T")


def envFilePath() -> Path | None:
    configured = os.environ.get("KSERVICES_ENV_FILE", ".env")
    return Path(configured) if configured else None


class GroupSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=False, frozen=True)


def splitCsv(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


# A comma-separated environment variable read as a list (never as JSON).
CsvList = Annotated[list[T], NoDecode, BeforeValidator(splitCsv)]


# `NAME=` in an env file: unset, not Path("") (the current directory).
def emptyIsNone(value: object) -> object:
    return None if value == "" else value


# An absolute http(s) URL with an optional path prefix, to which the code appends its paths. A value holding
# credentials is refused before it is echoed.
def checkHttpUrl(value: str, example: str) -> str:
    parts = urlsplit(value)
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not hold a user or password")
    absolute = parts.scheme in ("http", "https") and value.startswith(f"{parts.scheme}://") and parts.hostname
    if not absolute or any(character.isspace() for character in value):
        raise ValueError(f"'{value}' must be an absolute http(s) URL such as {example}")
    if parts.query or parts.fragment:
        raise ValueError(f"'{value}' must be a scheme, a host, an optional port and path, nothing else")
    if not isHost(parts.hostname):
        raise ValueError(f"'{value}' has an invalid host (use the punycode form of an international name)")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number in range
    except ValueError:
        raise ValueError(f"'{value}' has an invalid port") from None
    return value
