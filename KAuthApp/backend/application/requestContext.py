from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str | None
    requestId: str | None
    userAgent: str | None
