from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from shared.backend.background.periodicTask import REPEAT_LOG_SECONDS, FailureStreak
from shared.backend.config.settings import AppSettings
from shared.backend.loggingFactory import clearRequestContext, configureLogging


# A background task's failed passes during an outage (a pass every 5 s): one error with its traceback, then a
# warning a minute with the count, then the recovery; not a traceback every pass.
@pytest.fixture
def lines(capsys: pytest.CaptureFixture[str]) -> Iterator[pytest.CaptureFixture[str]]:
    configureLogging(AppSettings(APP_ENV="test", LOG_FORMAT="json"))  # type: ignore[call-arg]
    capsys.readouterr()
    yield capsys
    clearRequestContext()


def records(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]


def raised(error: Exception) -> Exception:
    try:
        raise error
    except Exception as caught:
        return caught


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_anOutageLogsOneTracebackThenAWarningAMinuteThenTheRecovery(lines: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    streak = FailureStreak("demo", clock)
    for _ in range(int(REPEAT_LOG_SECONDS / 5) + 1):  # 13 passes, 5 s apart: 60 s
        streak.failed(raised(ConnectionRefusedError("database down")))
        clock.now += 5
    first, repeat = records(lines)
    assert (first["label"], first["level"], first["failures"]) == ("demo_pass_failed", "error", 1)
    assert first["error_type"] == "ConnectionRefusedError" and first["exception"]
    assert (repeat["label"], repeat["level"], repeat["failures"]) == ("demo_pass_still_failing", "warning", 13)
    assert "exception" not in repeat
    streak.succeeded()
    streak.succeeded()
    (recovered,) = records(lines)
    assert (recovered["label"], recovered["failures"]) == ("demo_pass_recovered", 13)


def test_aDifferentFailureIsLoggedWithItsTracebackAtOnce(lines: pytest.CaptureFixture[str]) -> None:
    streak = FailureStreak("demo", Clock())
    streak.failed(ConnectionRefusedError("database down"))
    streak.failed(ConnectionRefusedError("database down"))
    streak.failed(ValueError("a bad row"))
    labels = [(record["label"], record.get("error_type"), record["failures"]) for record in records(lines)]
    assert labels == [("demo_pass_failed", "ConnectionRefusedError", 1), ("demo_pass_failed", "ValueError", 3)]


def test_afterARecoveryTheNextFailureIsAnErrorAgain(lines: pytest.CaptureFixture[str]) -> None:
    streak = FailureStreak("demo", Clock())
    streak.failed(ConnectionRefusedError("database down"))
    streak.succeeded()
    streak.failed(ConnectionRefusedError("database down"))
    labels = [(record["label"], record["failures"]) for record in records(lines)]
    assert labels == [("demo_pass_failed", 1), ("demo_pass_recovered", 1), ("demo_pass_failed", 1)]
