from __future__ import annotations

import unicodedata
import uuid
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

from KSysAdmin.backend.application.isoText import isoTextCheck

# An ISO 8601 date or date-time: a filter must be the one meant.
isoDate = isoTextCheck(r"\d{4}-\d{2}-\d{2}", "an ISO 8601 date or date-time such as 2026-12-01T00:00:00Z")


# A naive time is read as UTC; a time that has no UTC equivalent (year 9999 at -14:00) is a 422 on its field.
def toUtc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)
    except OverflowError:
        raise ValueError("time out of range") from None


UtcTime = Annotated[datetime, BeforeValidator(isoDate), AfterValidator(toUtc)]


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
