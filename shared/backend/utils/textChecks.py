from __future__ import annotations


# PostgreSQL's text refuses NUL (SQLSTATE 22021): input models refuse it as the field's 422, before any lookup or
# row lock, so that no answer depends on which rows exist.
def withoutNul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value
