from __future__ import annotations

from datetime import UTC, datetime

import pytest

from KSysPayment.backend.infrastructure.bri.briClient import dateOf


# BRI's times are Jakarta's (BRI.md): one sent without an offset is read as +07:00, never as a naive time that
# a comparison with an aware one would refuse (TypeError) or the host's zone would shift.
@pytest.mark.parametrize(("sent", "expected"), [
    ("2026-12-07T10:00:00", datetime(2026, 12, 7, 3, 0, tzinfo=UTC)),
    ("2026-12-07", datetime(2026, 12, 6, 17, 0, tzinfo=UTC)),
    ("2026-12-07T10:00:00+07:00", datetime(2026, 12, 7, 3, 0, tzinfo=UTC)),
    ("2026-12-07T03:00:00Z", datetime(2026, 12, 7, 3, 0, tzinfo=UTC)),
])
def test_briDatesAreAware(sent: str, expected: datetime) -> None:
    parsed = dateOf(sent)
    assert parsed is not None and parsed.tzinfo is not None
    assert parsed == expected
