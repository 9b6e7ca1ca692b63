from __future__ import annotations

import json

import asyncpg
import pytest

from shared.backend.config.settings import AppSettings
from shared.backend.loggingFactory import (
    bindRequestContext,
    clearRequestContext,
    configureLogging,
    getSystemLogger,
    getUserLogger,
)


@pytest.fixture
def jsonLogs(capsys: pytest.CaptureFixture[str]) -> pytest.CaptureFixture[str]:
    configureLogging(AppSettings(APP_ENV="test", LOG_FORMAT="json"))  # type: ignore[call-arg]
    yield capsys
    clearRequestContext()


def lines(capture: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in capture.readouterr().out.splitlines() if line.startswith("{")]


def test_systemLogLinesCarryTheContract(jsonLogs: pytest.CaptureFixture[str]) -> None:
    bindRequestContext("req-12345678", userId="user-1")
    logger = getSystemLogger("test")
    logger.security("login_failed", "wrong password", email_domain="example.com")
    logger.audit("user_locked", "admin locked a user", target="u-2")
    logger.performance("slow_query", "query took long", duration_ms=12.5)
    getUserLogger("test").action("user-1", "profile_updated", "profile changed")
    records = lines(jsonLogs)
    assert [r["category"] for r in records] == ["Security", "Audit", "Performance", "User"]
    for record in records:
        assert {"timestamp_ms", "category", "type", "label", "message"} <= set(record)
        assert isinstance(record["timestamp_ms"], int)
        assert record["request_id"] == "req-12345678"
        assert record["user_id"] == "user-1"


def test_secretsNeverReachTheLog(jsonLogs: pytest.CaptureFixture[str]) -> None:
    getSystemLogger("test").security(
        "login", "attempt", password="hunter2-secret", refresh_token="tok-abc", headers={"Authorization": "Bearer x"},
        client_secret="cs-1", totp_code="123456", email="a@example.com",
        rules=[{"group": "auth", "token": "tok-in-list"}], pairs=({"secret": "tok-in-tuple"},),
    )
    output = jsonLogs.readouterr().out
    for secret in ("hunter2-secret", "tok-abc", "Bearer x", "cs-1", "123456", "tok-in-list", "tok-in-tuple"):
        assert secret not in output
    record = json.loads(output.strip().splitlines()[-1])
    assert record["password"] == "[redacted]"
    assert record["headers"] == {"Authorization": "[redacted]"}
    assert record["email"] == "a@example.com"
    assert record["rules"] == [{"group": "auth", "token": "[redacted]"}]


def test_exceptionsCarryTypeMessageAndStack(jsonLogs: pytest.CaptureFixture[str]) -> None:
    try:
        raise ValueError("broken thing")
    except ValueError as error:
        getSystemLogger("test").error("failure", "operation failed", error)
    record = lines(jsonLogs)[-1]
    assert record["category"] == "Error"
    assert record["error_type"] == "ValueError"
    assert record["error_message"] == "broken thing"
    assert "exception" in record
    assert "test_exceptionsCarryTypeMessageAndStack" in json.dumps(record["exception"])


# A bug that hands the driver a value it cannot encode (or PostgreSQL one it cannot parse) must not put that
# value in the log: the driver's message quotes it.
@pytest.mark.parametrize("logFormat", ["json", "console"])
def test_driverRefusalsDoNotQuoteTheValue(capsys: pytest.CaptureFixture[str], logFormat: str) -> None:
    configureLogging(AppSettings(APP_ENV="test", LOG_FORMAT=logFormat))  # type: ignore[call-arg]
    messages = ["invalid input for query argument $2: 'hunter2-secret' (invalid UUID 'hunter2-secret')",
                'invalid input syntax for type uuid: "tok-abc-secret"']
    for message in messages:
        try:
            raise asyncpg.exceptions.DataError(message)
        except asyncpg.exceptions.DataError as error:
            getSystemLogger("test").error("failure", "query failed", error)
    output = capsys.readouterr().out
    assert "hunter2-secret" not in output and "tok-abc-secret" not in output
    assert output.count("invalid input for query argument $2: [redacted]") == 2  # error_message and exception
    assert "invalid input syntax for type uuid: [redacted]" in output


# An integrity error nobody translated reaches the log whole: PostgreSQL's DETAIL line quotes the row.
@pytest.mark.parametrize("logFormat", ["json", "console"])
def test_postgresDetailLinesDoNotQuoteTheRow(capsys: pytest.CaptureFixture[str], logFormat: str) -> None:
    configureLogging(AppSettings(APP_ENV="test", LOG_FORMAT=logFormat))  # type: ignore[call-arg]
    message = ('new row for relation "users" violates check constraint "ck_users_email_lowercase"\n'
               "DETAIL:  Failing row contains (0190f1a4, A@B.example, $argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA).")
    try:
        raise asyncpg.exceptions.CheckViolationError(message)
    except asyncpg.exceptions.CheckViolationError as error:
        getSystemLogger("test").error("failure", "query failed", error)
    output = capsys.readouterr().out
    assert "argon2id" not in output and "A@B.example" not in output
    assert "DETAIL: [redacted]" in output and "ck_users_email_lowercase" in output
