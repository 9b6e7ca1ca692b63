from __future__ import annotations


# An error in one line for a startup failure: its type and its first non-blank line (SQLAlchemy ends its text with a
# "(Background on this error at: ...)" line, a driver may add detail lines).
def causeLine(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
