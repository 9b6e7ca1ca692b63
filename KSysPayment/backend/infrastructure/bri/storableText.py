from __future__ import annotations

# What BRI sends is stored as sent. An identifier ends up in an index (payment_events.dedupe_key, payments'
# references), whose btree takes ~2,700 bytes a row.
MAX_IDENTIFIER_CHARS = 256


# Why PostgreSQL could not store the text (no NUL in text or jsonb, UTF-8 only), None when it can.
def unstorable(text: str) -> str | None:
    if "\x00" in text:
        return "a NUL character"
    try:
        text.encode()
    except UnicodeEncodeError:
        return "a lone surrogate"
    return None
