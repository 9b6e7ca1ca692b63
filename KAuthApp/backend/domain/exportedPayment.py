from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


# A payment as an account export shows it: KSysPayment's row without BRI's references and internal fields.
@dataclass(frozen=True)
class ExportedPayment:
    id: uuid.UUID
    amount: int
    currency: str
    method: str
    status: str
    description: str | None
    virtualAccountNo: str | None
    createdAt: datetime
    expiresAt: datetime
    paidAt: datetime | None
