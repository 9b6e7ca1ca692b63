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
    # Bounds come from settings (PAYMENT_MIN_AMOUNT/MAX): checked by the use case.
    amount: int = Field(gt=0)
    method: PaymentMethod = Field(strict=False)
    description: Description | None = None

    def canonical(self) -> dict[str, object]:
        return {"amount": self.amount, "method": self.method.value, "description": self.description}
