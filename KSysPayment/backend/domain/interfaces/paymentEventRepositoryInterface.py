from __future__ import annotations

from typing import Protocol

from KSysPayment.backend.domain.models.paymentEvent import PaymentEvent


class PaymentEventRepositoryInterface(Protocol):
    # False when an event with the same dedupe key exists already (nothing is written).
    async def addIfNew(self, entity: PaymentEvent) -> bool: ...
