from __future__ import annotations

from typing import Protocol


# Development only: asks the BRI simulator to act as a paying customer.
class PaymentSimulatorInterface(Protocol):
    async def pay(
        self, *, virtualAccountNo: str | None, partnerReferenceNo: str | None, amount: int
    ) -> dict[str, object]: ...
