from __future__ import annotations

import json

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from KSysPayment.backend.infrastructure.http.snapNotificationParser import unstorableField

# Deterministic and bounded: the suite runs every fuzz property with the same examples each time.
FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
BIGINT_MAX = 2**63 - 1
# PostgreSQL's btree refuses an index row over ~2,700 bytes (payment_events.dedupe_key is unique).
INDEX_ROW_BYTES = 2_700

# Any character, lone surrogates, NUL and non-ASCII digits included.
ANY_CHARACTER = st.characters(codec=None, exclude_categories=())
TRICKY_TEXT = st.sampled_from([
    "", " ", "\x00", "\ud800", "10000.00", "10000", "10000.5", "10000.000", "1e4", "1E+4", "-1", "+1", " 1 ",
    "١٠٠٠٠", "１０００", "\u00a010000", "1_000", "0x10", "NaN", "Infinity", "9" * 19, "9" * 40, "9" * 5000,
    "00", "IDR", "Y", "x" * 3000, "\u0660" * 3, "1.", ".5", "1..0", "1,000.00",
])
TEXT = st.text(ANY_CHARACTER, max_size=24) | TRICKY_TEXT
NUMBERS = (st.integers(min_value=-(2**70), max_value=2**70) | st.floats(allow_nan=True, allow_infinity=True)
           | st.sampled_from([0, -0.0, 1e400, -1e400, 2**63, 2**63 - 1, 2**64, 10**30]))
SCALARS = st.none() | st.booleans() | NUMBERS | TEXT
JSON_VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4), max_leaves=12
)


# Writes a value as BRI's bytes would hold it: NaN and Infinity as bare literals, surrogates escaped.
def encoded(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


# A valid body with one field replaced by any JSON value or dropped, or bytes that are barely JSON.
def mutatedBodies(valid: dict[str, object]) -> st.SearchStrategy[bytes]:
    paths = [(key,) for key in valid] + [
        (key, inner) for key, value in valid.items() if isinstance(value, dict) for inner in value
    ]

    def mutate(path: tuple[str, ...], value: object, drop: bool) -> bytes:
        body = json.loads(json.dumps(valid))
        holder = body
        for key in path[:-1]:
            holder = holder[key]
        if drop:
            holder.pop(path[-1], None)
        else:
            holder[path[-1]] = value
        return encoded(body)

    mutated = st.builds(mutate, st.sampled_from(paths), JSON_VALUES, st.booleans())
    raw = st.binary(max_size=64) | st.sampled_from([
        b"", b"null", b"[]", b"1e400", b'"x"', b"{" * 5000, b"[" * 100_000, b'{"a":' * 900 + b"1" + b"}" * 900,
        b'{"a":' + b"[" * 900 + b"]" * 900 + b"}", encoded(valid)[:-1], b"\xff\xfe" + encoded(valid),
        encoded(valid).replace(b"{", b'{"x":NaN,', 1), encoded(valid).replace(b"{", b'{"x":1e999,', 1),
        encoded(valid).replace(b"{", b'{"x":-Infinity,', 1),
        encoded(valid).replace(b"{", b'{"x":' + b"1" * 5000 + b",", 1),
    ])
    duplicated = st.builds(lambda value: encoded(valid)[:-1] + b',"' + next(iter(valid)).encode() + b'":'
                           + encoded(value) + b"}", JSON_VALUES)
    return mutated | raw | duplicated


def storable(value: object) -> bool:
    # What PostgreSQL's jsonb and a JSON answer can hold: finite numbers, UTF-8 text without NUL.
    try:
        json.dumps(value, allow_nan=False, ensure_ascii=False).encode()
    except (ValueError, RecursionError):
        return False
    return not unstorableField({"": value})
