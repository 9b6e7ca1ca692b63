from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from KAuthApp.backend.domain.interfaces.mailerInterface import MailMessage
from KAuthApp.backend.infrastructure.mail.emailMessageBuilder import buildEmail
from shared.backend.exceptions.serviceConfigurationError import ServiceConfigurationError
from shared.backend.utils.uuid import generateId


# At startup: an outbox that is not a directory the server can write (a file, a read-only mount) would fail every
# mail after the answer, seen only in the log.
def prepareOutbox(outboxDir: Path) -> None:
    try:
        outboxDir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=outboxDir):
            pass
    except OSError as error:
        raise ServiceConfigurationError(
            f"MAIL_OUTBOX_DIR: {outboxDir} is not a directory the server can write ({error.strerror})") from None


# Development outbox: one RFC 5322 .eml file per mail, written atomically (temp file + rename).
class FileOutboxMailer:
    def __init__(self, outboxDir: Path, fromAddress: str) -> None:
        self.outboxDir = outboxDir
        self.fromAddress = fromAddress

    def writeSync(self, message: MailMessage) -> Path:
        self.outboxDir.mkdir(parents=True, exist_ok=True)
        target = self.outboxDir / f"{generateId().hex}.eml"
        data = buildEmail(message, self.fromAddress).as_bytes()
        handle, temporary = tempfile.mkstemp(dir=self.outboxDir, prefix=".tmp-", suffix=".eml")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return target

    async def send(self, message: MailMessage) -> None:
        await asyncio.to_thread(self.writeSync, message)
