from __future__ import annotations

import uuid
from typing import Protocol

from KSysAdmin.backend.domain.models.payment import Payment
from KSysAdmin.backend.domain.models.paymentEvent import PaymentEvent
from KSysAdmin.backend.domain.queries import KeysetPosition, PaymentFilter


class PaymentRepositoryInterface(Protocol):
    async def getById(self, id: uuid.UUID, forUpdate: bool = False) -> Payment | None: ...

    async def listPage(self, filter: PaymentFilter, after: KeysetPosition | None, limit: int) -> list[Payment]: ...

    async def eventsOf(self, paymentId: uuid.UUID) -> list[PaymentEvent]: ...

    async def flush(self) -> None: ...
