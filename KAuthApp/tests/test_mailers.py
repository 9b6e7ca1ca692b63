from __future__ import annotations

import asyncio
import email
from email import policy
from pathlib import Path

import pytest
from pydantic import SecretStr

from KAuthApp.backend.application.authMails import verificationMail
from KAuthApp.backend.domain.interfaces.mailerInterface import MailMessage
from KAuthApp.backend.infrastructure.mail.fileOutboxMailer import FileOutboxMailer
from KAuthApp.backend.infrastructure.mail.mailerFactory import createMailer
from KAuthApp.backend.infrastructure.mail.smtpMailer import SmtpMailer
from shared.backend.config.settings import MailSettings
from shared.backend.exceptions.serviceConfigurationError import ServiceConfigurationError

MESSAGE = MailMessage(to="someone@example.com", subject="Hello there", text="Line one\nhttps://x.example/a?token=b\n")


async def test_fileOutboxWritesOneParsableEmlAtomically(tmp_path: Path) -> None:
    mailer = FileOutboxMailer(tmp_path / "outbox", "no-reply@kservices.example.com")
    await mailer.send(MESSAGE)
    await mailer.send(MESSAGE)
    files = sorted((tmp_path / "outbox").iterdir())
    assert len(files) == 2
    assert all(path.suffix == ".eml" and not path.name.startswith(".tmp") for path in files)
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert parsed["To"] == MESSAGE.to
    assert parsed["From"] == "no-reply@kservices.example.com"
    assert parsed["Subject"] == MESSAGE.subject
    assert parsed["Message-ID"] and parsed["Date"]
    body = parsed.get_body(preferencelist=("plain",))
    assert body is not None and "token=b" in str(body.get_content())


# An outbox that was a file started the server, and then every mail failed after its answer: startup names it.
def test_anOutboxTheServerCannotWriteStopsStartup(tmp_path: Path) -> None:
    taken = tmp_path / "mail"
    taken.write_text("not a directory")
    settings = MailSettings.model_construct(backend="file", outboxDir=taken, fromAddress="no-reply@kservices.example")
    with pytest.raises(ServiceConfigurationError) as error:
        createMailer(settings)
    assert str(error.value) == f"MAIL_OUTBOX_DIR: {taken} is not a directory the server can write (File exists)"
    with pytest.raises(ServiceConfigurationError) as error:
        createMailer(settings.model_copy(update={"outboxDir": taken / "inside"}))
    assert str(error.value).startswith(f"MAIL_OUTBOX_DIR: {taken / 'inside'} is not a directory the server can write")
    # A missing outbox is made, as the first mail would.
    fresh = tmp_path / "fresh" / "outbox"
    assert isinstance(createMailer(settings.model_copy(update={"outboxDir": fresh})), FileOutboxMailer)
    assert fresh.is_dir() and list(fresh.iterdir()) == []


# A developer copies the link out of the .eml: it must be in the file as it is, on one line (quoted-printable,
# the default for lines over 78 characters, wrote `token=3D...` and a soft line break).
def test_outboxFileHoldsTheLinkAsItIs(tmp_path: Path) -> None:
    mailer = FileOutboxMailer(tmp_path, "no-reply@kservices.example.com")
    token = "suot8h5vDA3Jq5KAULEeL-DYOrv3VanYm8LXfna5jnY"
    path = mailer.writeSync(verificationMail("a@example.com", "http://localhost:8080", token, 86400))
    link = f"http://localhost:8080/auth/verify-email?token={token}"
    assert len(link) > 78 and f"\n{link}\n" in path.read_text()
    # Anything else (non-ASCII text) is still encoded, and reads back as written.
    text = "Grüße\n" + "x" * 1200 + "\n"
    other = email.message_from_bytes(mailer.writeSync(MailMessage(to="a@example.com", subject="s", text=text))
                                     .read_bytes(), policy=policy.default)
    assert other["Content-Transfer-Encoding"] != "7bit" and other.get_content() == text


class FakeSmtpServer:
    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.recipients: list[str] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 fake ESMTP\r\n")
        while line := await reader.readline():
            command = line.decode().strip().upper()
            if command.startswith(("EHLO", "HELO")):
                writer.write(b"250 fake\r\n")
            elif command.startswith("RCPT TO"):
                self.recipients.append(line.decode().strip()[8:])
                writer.write(b"250 ok\r\n")
            elif command == "DATA":
                writer.write(b"354 go ahead\r\n")
                await writer.drain()
                data = b""
                while (chunk := await reader.readline()) != b".\r\n":
                    data += chunk
                self.messages.append(data)
                writer.write(b"250 queued\r\n")
            elif command == "QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:
                writer.write(b"250 ok\r\n")
            await writer.drain()
        writer.close()


async def test_smtpMailerDeliversToServer() -> None:
    fake = FakeSmtpServer()
    server = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    settings = MailSettings.model_construct(
        backend="smtp", outboxDir=Path("unused"), fromAddress="no-reply@kservices.example.com",
        smtpHost="127.0.0.1", smtpPort=port, smtpUser="", smtpPassword=SecretStr(""), smtpStartTls=False,
    )
    assert isinstance(createMailer(settings), SmtpMailer)
    async with server:
        await SmtpMailer(settings).send(MESSAGE)
    assert len(fake.messages) == 1
    assert "someone@example.com" in fake.recipients[0]
    parsed = email.message_from_bytes(fake.messages[0], policy=policy.default)
    assert parsed["Subject"] == MESSAGE.subject
