from __future__ import annotations

import aiosmtplib

from KAuthApp.backend.domain.interfaces.mailerInterface import MailMessage
from KAuthApp.backend.infrastructure.mail.emailMessageBuilder import buildEmail
from shared.backend.config.settings import MailSettings


class SmtpMailer:
    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings

    async def send(self, message: MailMessage) -> None:
        settings = self.settings
        password = settings.smtpPassword.get_secret_value()
        await aiosmtplib.send(
            buildEmail(message, settings.fromAddress),
            hostname=settings.smtpHost,
            port=settings.smtpPort,
            username=settings.smtpUser or None,
            password=password or None,
            start_tls=settings.smtpStartTls,
            timeout=15,
        )
