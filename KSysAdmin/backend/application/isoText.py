from __future__ import annotations

import re
from collections.abc import Callable


# A time field takes ISO 8601 text only: lax parsing would read a number, or a string of digits (a compact date
# such as 20261201 too), as a Unix time. The check refuses any value whose start does not match the pattern.
def isoTextCheck(pattern: str, expected: str) -> Callable[[object], object]:
    compiled = re.compile(pattern)

    def check(value: object) -> object:
        if not isinstance(value, str) or not compiled.match(value):
            raise ValueError(f"must be {expected}")
        return value

    return check
