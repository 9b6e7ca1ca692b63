from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator


# A naive time is read as UTC; a time that has no UTC equivalent (year 9999 at -14:00) is a 422 on its field.
def toUtc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)
    except OverflowError:
        raise ValueError("time out of range") from None


UtcTime = Annotated[datetime, AfterValidator(toUtc)]
