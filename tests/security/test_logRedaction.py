from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.exceptions import ResponseValidationError
from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

from KAuthApp.backend.domain.interfaces.mailerInterface import MailMessage
from KAuthApp.backend.infrastructure.mail.mailerFactory import deliver
from KAuthApp.backend.infrastructure.mail.smtpMailer import SmtpMailer
from shared.backend.config.settings import AppSettings, MailSettings
from shared.backend.loggingFactory import clearRequestContext, configureLogging, getSystemLogger

# What the logging factory must keep out of a line whatever the caller hands it (CLAUDE.md, Logging).
PASSWORD = "Hunter2-logged-password"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJlLXZhbHVl"
REFRESH = "0190f1a4c0de7abc8def0123456789ab.c3VwZXItc2VjcmV0LXJlZnJlc2gtdmFsdWUtMDEyMzQ1Njc4OQ.dGFnLXRhZy10YWc"
RESET_TOKEN = "suot8h5vDA3Jq5KAULEeL-DYOrv3VanYm8LXfna5jnY"
RECIPIENT = "victim.person@example.com"


class StrictLogin(BaseModel):
    model_config = ConfigDict(strict=True)
    email: int
    password: int


@pytest.fixture(params=["json", "console"])
def captured(
    request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> Iterator[pytest.CaptureFixture[str]]:
    configureLogging(AppSettings(APP_ENV="test", LOG_FORMAT=request.param))  # type: ignore[call-arg]
    capsys.readouterr()
    yield capsys
    clearRequestContext()


def validationError() -> ValidationError:
    try:
        StrictLogin.model_validate({"email": RECIPIENT, "password": PASSWORD})
    except ValidationError as error:
        return error
    raise AssertionError("the model accepted strings")


# A bug's pydantic error (a model_validate of a body or a row) or a response model's refusal reaches the 500's log
# line: both quote the input, here a password and an access token.
def test_validationErrorsDoNotQuoteTheirInput(captured: pytest.CaptureFixture[str]) -> None:
    logger = getSystemLogger("test")
    logger.error("unhandled_exception", "failed", validationError())
    try:
        raise ResponseValidationError([{"type": "string_type", "loc": ("response", "accessToken"),
                                        "msg": "Input should be a valid string", "input": {"raw": PASSWORD}}],
                                      body={"accessToken": JWT}) from validationError()
    except ResponseValidationError as error:
        logger.error("unhandled_exception", "failed", error)
    output = captured.readouterr().out
    assert PASSWORD not in output and RECIPIENT not in output and JWT not in output
    assert "input_value=[redacted], input_type=str" in output and "'input': [redacted]" in output
    assert "int_type" in output and "string_type" in output  # what went wrong stays


# A refused recipient (RCPT 550) answers the forgot-password or register mail: aiosmtplib's error names the address.
async def test_aMailServersRefusalDoesNotLogTheRecipient(captured: pytest.CaptureFixture[str]) -> None:
    async def refuseRecipients(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 fake ESMTP\r\n")
        while line := await reader.readline():
            command = line.decode().strip()
            if command.upper().startswith("RCPT"):
                writer.write(f"550 5.1.1 {command.split(':', 1)[1]}: Recipient address rejected\r\n".encode())
            elif command.upper().startswith("QUIT"):
                writer.write(b"221 bye\r\n")
                break
            else:
                writer.write(b"250 ok\r\n")
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(refuseRecipients, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    settings = MailSettings.model_construct(
        backend="smtp", outboxDir=Path("unused"), fromAddress="no-reply@kservices.example.com",
        smtpHost="127.0.0.1", smtpPort=port, smtpUser="", smtpPassword=SecretStr(""), smtpStartTls=False,
    )
    async with server:
        await deliver(SmtpMailer(settings), MailMessage(to=RECIPIENT, subject="Reset your password", text="x"))
    output = captured.readouterr().out
    assert "mail_failed" in output and "SMTPRecipientsRefused" in output
    assert RECIPIENT not in output


def test_secretValuesAreRedactedWhateverTheirKey(captured: pytest.CaptureFixture[str]) -> None:
    link = f"http://localhost:8080/auth/reset-password?token={RESET_TOKEN}"
    getSystemLogger("test").warning(
        "probe", f"sent {link}", header=f"Bearer {JWT}", value=REFRESH, nested={"items": [link, {"jwt": JWT}]},
        recoveryCode="a1b2c-3d4e5-f6a7b-8c9d0", phoneNumber="+6281234567890", master_key="k-1",
        credentials={"user": "u"}, database="postgresql://postgres@db.internal:5432/app",
    )
    output = captured.readouterr().out
    for secret in (RESET_TOKEN, JWT, REFRESH, "a1b2c-3d4e5", "+6281234567890", "k-1", "'u'", '"u"'):
        assert secret not in output
    assert "reset-password?token=[redacted]" in output and "Bearer [redacted]" in output
    assert "postgres@db.internal" in output  # a URL's user is not an address
