from __future__ import annotations

from shared.backend.loggingFactory import REDACTED, withoutSecretValues

# Attacker-shaped input the code must handle in linear time (docs/decisions.md, "Linear work on request input").
# Each case is sized so that the quadratic version it replaced runs for minutes; no timing is asserted.
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJlLXZhbHVl"


# A logged path of "eyJ-" repeated: every "eyJ" used to scan the run to its end (64 KB took 3 s, 512 KB minutes).
def test_jwtRedactionOnARunOfTokenStarts() -> None:
    run = "eyJ-" * 131_072
    assert withoutSecretValues(f"/api/auth/{run} {JWT}") == f"/api/auth/{run} {REDACTED}"


def test_jwtRedactionKeepsWhatPrecedesTheTokenInItsRun() -> None:
    text = f"id-{JWT}.x eyJ.a.b q_eyJa.b eyJ-eyJa.b.c"
    assert withoutSecretValues(text) == f"id-{REDACTED}.x eyJ.a.b q_eyJa.b {REDACTED}"
