from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import UTC, datetime

from KSysAdmin.backend.domain.exceptions.adminErrors import InvalidCursorError
from KSysAdmin.backend.domain.queries import KeysetPosition

MAX_CURSOR_LENGTH = 1024
# The longest address accepted anywhere (login, emailPrefix): a longer email-sort value is no stored row's.
MAX_EMAIL_LENGTH = 320


# Opaque to clients: base64url JSON of the sort name, the last row's sort value and id.
def encodeCursor(sort: str, value: datetime | str, id: uuid.UUID) -> str:
    raw = value.isoformat() if isinstance(value, datetime) else value
    payload = json.dumps({"s": sort, "v": raw, "i": str(id)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


# An email-sort value is bound as text: NUL, a lone surrogate (not UTF-8) or an overlong one is no address.
def emailValue(raw: str) -> str:
    if "\x00" in raw or len(raw) > MAX_EMAIL_LENGTH:
        raise ValueError("not an address")
    raw.encode()
    return raw


def decodeCursor(cursor: str | None, sort: str, valueIsTime: bool = True) -> KeysetPosition | None:
    if cursor is None:
        return None
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError("too long")
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(payload, dict) or payload.get("s") != sort:
            raise ValueError("cursor belongs to another sort")
        raw, rawId = payload["v"], payload["i"]
        if not isinstance(raw, str) or not isinstance(rawId, str):
            raise ValueError("bad types")
        value: datetime | str = datetime.fromisoformat(raw) if valueIsTime else emailValue(raw)
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError("naive time")
            value = value.astimezone(UTC)
        return KeysetPosition(value=value, id=uuid.UUID(rawId))
    except (ValueError, KeyError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise InvalidCursorError(details=[{"field": "cursor", "message": "not a cursor from this listing"}]) from None
