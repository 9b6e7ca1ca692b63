from __future__ import annotations

import uuid

from pydantic import Field

from KSysPayment.backend.application.dtoBase import InputModel


class SimulatePaymentInput(InputModel):
    paymentId: uuid.UUID = Field(strict=False)
    # Optional override, to try an amount mismatch from the dev UI.
    amount: int | None = Field(default=None, gt=0)
