from __future__ import annotations

from pydantic import Field

from KSysPayment.backend.application.dtoBase import InputModel
from KSysPayment.backend.domain.models.payment import PaymentMethod


class CreatePaymentInput(InputModel):
    # Bounds come from settings (PAYMENT_MIN_AMOUNT/MAX): checked by the use case.
    amount: int = Field(gt=0)
    method: PaymentMethod = Field(strict=False)
    description: str | None = Field(default=None, max_length=255)

    def canonical(self) -> dict[str, object]:
        return {"amount": self.amount, "method": self.method.value, "description": self.description}
