from __future__ import annotations

import pytest
from starlette.types import Scope

from shared.backend.middleware.requestId import requestIdFrom


def scopeWith(value: bytes) -> Scope:
    return {"type": "http", "headers": [(b"x-request-id", value)]}


def test_aWellFormedRequestIdIsKept() -> None:
    assert requestIdFrom(scopeWith(b"client-id_1.2")) == "client-id_1.2"


# `$` also matches before a final newline: "abcdefgh\n" passed the check and went into the log context and the
# X-Request-ID answer header. Whatever the server in front lets through, the id is replaced.
@pytest.mark.parametrize("value", [b"abcdefgh\n", b"abcdefgh\r\n", b"abcdefgh\nlevel=error", b"abcdefg", b"a" * 129,
                                   b"abcdefgh\x00", b"abcd efgh", "abcdefgh\u00e9".encode("latin-1")])
def test_aMalformedRequestIdIsReplaced(value: bytes) -> None:
    generated = requestIdFrom(scopeWith(value))
    assert generated != value.decode("latin-1")
    assert len(generated) == 32 and generated.isalnum()
