from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import UTC, datetime

from KSysPayment.backend.domain.exceptions.paymentErrors import InvalidCursorError
from KSysPayment.backend.domain.paymentQueries import KeysetPosition

MAX_CURSOR_LENGTH = 512


# Opaque to clients: base64url JSON of the last row's created_at and id.
def encodeCursor(position: KeysetPosition) -> str:
    payload = json.dumps({"c": position.createdAt.isoformat(), "i": str(position.id)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decodeCursor(cursor: str | None) -> KeysetPosition | None:
    if not cursor:
        return None
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError("too long")
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(payload, dict) or not isinstance(payload.get("c"), str) or not isinstance(
            payload.get("i"), str
        ):
            raise ValueError("bad types")
        createdAt = datetime.fromisoformat(payload["c"])
        if createdAt.tzinfo is None:
            raise ValueError("naive time")
        # In UTC, a time the database cannot hold fails here (OverflowError), not in the query.
        return KeysetPosition(createdAt=createdAt.astimezone(UTC), id=uuid.UUID(payload["i"]))
    except (ValueError, KeyError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise InvalidCursorError(details=[{"field": "cursor", "message": "not a cursor from this listing"}]) from None
