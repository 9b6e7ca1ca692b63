from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest

from KSysPayment.backend.infrastructure.bri import snapTransport


# Workers and hosts each count from 0: many processes making their first call to BRI in the same millisecond
# must still send X-EXTERNAL-IDs BRI has not seen today (a reuse is refused 409xx00, a create then fails).
def test_externalIdsOfProcessesStartedTogetherDiffer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapTransport, "time", SimpleNamespace(time=lambda: 1_767_225_600.123))
    ids = []
    for _ in range(1000):
        monkeypatch.setattr(snapTransport, "EXTERNAL_ID_COUNTER", itertools.count())
        ids.append(snapTransport.newExternalId())
    assert len(set(ids)) == len(ids)
    assert all(value.isdigit() and len(value) <= 36 for value in ids)
