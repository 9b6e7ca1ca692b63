from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

from shared.backend.utils.textChecks import withoutNul

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


# Free text shown to people: no C0 control (tab and line breaks included), DEL or C1 control.
def withoutControls(value: str) -> str:
    if CONTROL_CHARACTERS.search(value):
        raise ValueError("must not contain control characters")
    return value


# A name is stored without surrounding spaces, and one of spaces only is refused (null clears it).
def trimmedName(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value.strip()


# Every string a body field stores or looks up carries one of these (emails as EmailStr, which refuses controls).
NoNul = AfterValidator(withoutNul)
NoControls = AfterValidator(withoutControls)

DisplayName = Annotated[str, Field(min_length=1, max_length=100), NoControls, AfterValidator(trimmedName)]
# Never stored as text (Argon2id hashes its bytes), but a password being set may not hold a NUL; a password
# being checked is taken as typed, so one set before this rule still verifies (docs/decisions.md).
NewPassword = Annotated[str, Field(max_length=1024), NoNul]
