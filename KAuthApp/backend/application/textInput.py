from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from shared.backend.utils.textChecks import notBlank, withoutControls, withoutHiddenCharacters, withoutNul


# A name is stored without surrounding spaces, and one that shows nothing (spaces, joiners) is refused (null clears it).
def trimmedName(value: str) -> str:
    return notBlank(value).strip()


# Every string a body field stores or looks up carries one of these (emails as EmailStr, which refuses controls).
NoNul = AfterValidator(withoutNul)
NoControls = AfterValidator(withoutControls)
NoHidden = AfterValidator(withoutHiddenCharacters)

DisplayName = Annotated[str, Field(min_length=1, max_length=100), NoControls, NoHidden,
                        AfterValidator(trimmedName)]
# Never stored as text (Argon2id hashes its bytes), but a password being set may not hold a NUL; a password
# being checked is taken as typed, so one set before this rule still verifies (docs/decisions.md).
NewPassword = Annotated[str, Field(max_length=1024), NoNul]
