from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, TypeVar

from pydantic import BeforeValidator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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
