from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# An ISO 8601 date or date-time: lax parsing would read a number (a compact date such as 20261201 too) as a Unix
# time, a filter other than the one meant.
def isoText(value: object) -> object:
    if not isinstance(value, str) or not ISO_DATE.match(value):
        raise ValueError("must be an ISO 8601 date or date-time such as 2026-12-01T00:00:00Z")
    return value


# A naive time is read as UTC; a time that has no UTC equivalent (year 9999 at -14:00) is a 422 on its field.
def toUtc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)
    except OverflowError:
        raise ValueError("time out of range") from None


UtcTime = Annotated[datetime, BeforeValidator(isoText), AfterValidator(toUtc)]


# Stored addresses are NFC and lower case, and never hold a space: a prefix of spaces alone would match every
# account, so it is refused like an empty one.
def emailPrefix(value: str) -> str:
    prefix = unicodedata.normalize("NFC", value.strip()).lower()
    if not prefix:
        raise ValueError("must hold a character other than a space")
    return prefix


EmailPrefix = Annotated[str, AfterValidator(emailPrefix)]


# Audit targets store ids as str(uuid): an id written otherwise (upper case, no hyphens) finds them too, as a
# UUID-typed filter (actorId) does; any other target id (a setting's name) is compared as sent.
def targetId(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return value


TargetId = Annotated[str, AfterValidator(targetId)]
