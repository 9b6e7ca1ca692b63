from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, StringConstraints

from KSysAdmin.backend.application.dtoBase import InputModel
from KSysAdmin.backend.application.isoText import isoTextCheck
from shared.backend.utils.textChecks import notBlank, withoutHiddenCharacters, withoutNul

RESOLUTION_MAX = 500
# An ISO 8601 date-time with its offset, as the payment's JSON gives it (strict mode parses no string into a
# datetime).
isoDateTime = isoTextCheck(r"\d{4}-\d{2}-\d{2}T", "an ISO 8601 date-time string")


# A note people read in the payment page and the audit log: it must show something and render as sent.
Resolution = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=RESOLUTION_MAX),
                       AfterValidator(withoutNul), AfterValidator(withoutHiddenCharacters), AfterValidator(notBlank)]


class FlagResolutionInput(InputModel):
    resolution: Resolution
    # The payment's updatedAt as the admin last saw it: a flag or state change since then refuses the resolution.
    updatedAt: Annotated[AwareDatetime, Field(strict=False), BeforeValidator(isoDateTime)]
