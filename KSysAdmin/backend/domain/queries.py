from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class UserSort(StrEnum):
    NEWEST = "-createdAt"
    OLDEST = "createdAt"
    EMAIL = "email"
    EMAIL_DESC = "-email"

    @property
    def descending(self) -> bool:
        return self.value.startswith("-")

    @property
    def byEmail(self) -> bool:
        return self.value.endswith("email")


# Where the previous page stopped: the sort key of its last row and that row's id.
@dataclass(frozen=True)
class KeysetPosition:
    value: datetime | str
    id: uuid.UUID


@dataclass(frozen=True)
class UserFilter:
    emailPrefix: str | None = None
    status: str | None = None
    role: str | None = None
    includeDeleted: bool = False


@dataclass(frozen=True)
class AuditLogFilter:
    actorId: uuid.UUID | None = None
    targetType: str | None = None
    targetId: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class PaymentFilter:
    status: str | None = None
    method: str | None = None
    userId: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None
    flagged: bool | None = None
    # Among flagged payments: True resolved by an admin, False still open.
    flagResolved: bool | None = None


@dataclass(frozen=True)
class PaymentSummary:
    total: int
    byStatus: dict[str, int]
    paidAmount: int
