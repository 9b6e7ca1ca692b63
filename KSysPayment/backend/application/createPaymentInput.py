from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from KSysPayment.backend.application.dtoBase import InputModel
from KSysPayment.backend.domain.models.payment import PaymentMethod
from shared.backend.utils.textChecks import withoutHiddenCharacters, withoutNul

# Shown on the payment pages and in the console, and sent to BRI: stored as sent, so it must render as sent (line
# breaks stay, the form is a text area).
Description = Annotated[str, Field(max_length=255), AfterValidator(withoutNul), AfterValidator(withoutHiddenCharacters)]


class CreatePaymentInput(InputModel):
    # Bounds come from settings (PAYMENT_MIN_AMOUNT, at least 1, and MAX): checked by the use case, so that 0 or a
    # negative amount is amount_out_of_bounds with the bounds too, as any other amount outside them.
    amount: int = Field(description="Whole rupiah within PAYMENT_MIN_AMOUNT..PAYMENT_MAX_AMOUNT (GET /limits); "
                        "outside them 422 amount_out_of_bounds")
    method: PaymentMethod = Field(strict=False)
    description: Description | None = None

    def canonical(self) -> dict[str, object]:
        return {"amount": self.amount, "method": self.method.value, "description": self.description}
