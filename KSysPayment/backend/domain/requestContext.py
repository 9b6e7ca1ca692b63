from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RequestContext:
    requestId: str | None = None
    ip: str | None = None
    userId: uuid.UUID | None = None
