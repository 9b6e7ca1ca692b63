from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class PaymentFilter:
    status: str | None = None
    method: str | None = None


# Keyset position: the last row of the previous page, newest first.
@dataclass(frozen=True, slots=True)
class KeysetPosition:
    createdAt: datetime
    id: uuid.UUID
