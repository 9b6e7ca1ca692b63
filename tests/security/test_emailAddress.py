from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from shared.backend.security.emailAddress import lookupEmail, normalizeEmail


def swapCase(address: str, flips: list[bool]) -> str:
    flips = (flips + [False] * len(address))[:len(address)]
    return "".join(char.swapcase() if flip else char for char, flip in zip(address, flips, strict=True))


# The ASCII shortcut finds exactly what register stored for every address register accepts.
@settings(max_examples=500, deadline=None)
@given(st.emails(), st.lists(st.booleans(), max_size=64), st.sampled_from(["", " ", "\t"]))
def testLookupMatchesTheStoredFormForValidAddresses(address: str, flips: list[bool], pad: str) -> None:
    typed = pad + swapCase(address, flips) + pad
    try:
        stored = normalizeEmail(typed)
    except ValueError:
        stored = None
    assume(stored is not None)
    assert lookupEmail(typed) == stored


def testLookupNormalizesWhatTheShortcutLeavesOut() -> None:
    assert lookupEmail("User@XN--BCHER-KVA.de") == "user@bücher.de"
    assert lookupEmail("Cafe\u0301@Example.com") == normalizeEmail("cafe\u0301@example.com")
    assert lookupEmail("John <John@Example.com>") == "john@example.com"
    assert lookupEmail(" not an address ") == "not an address"
