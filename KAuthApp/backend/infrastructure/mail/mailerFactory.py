from __future__ import annotations

from fastapi import BackgroundTasks

from KAuthApp.backend.domain.interfaces.mailerInterface import MailerInterface, MailMessage
from KAuthApp.backend.infrastructure.mail.fileOutboxMailer import FileOutboxMailer, prepareOutbox
from KAuthApp.backend.infrastructure.mail.smtpMailer import SmtpMailer
from shared.backend.config.settings import MailSettings
from shared.backend.loggingFactory import getSystemLogger

logger = getSystemLogger("kauth.mail")


def createMailer(settings: MailSettings) -> MailerInterface:
    if settings.backend == "smtp":
        return SmtpMailer(settings)
    prepareOutbox(settings.outboxDir)
    return FileOutboxMailer(settings.outboxDir, settings.fromAddress)


async def deliver(mailer: MailerInterface, message: MailMessage) -> None:
    try:
        await mailer.send(message)
    except Exception as error:
        logger.error("mail_failed", f"could not send mail '{message.subject}'", error)


# Sends after the response: a mail's cost and failure never change what the client sees, so that
# forgot-password and register answer alike whether or not an account exists.
class DeferredMailer:
    def __init__(self, mailer: MailerInterface, tasks: BackgroundTasks) -> None:
        self.mailer = mailer
        self.tasks = tasks

    async def send(self, message: MailMessage) -> None:
        self.tasks.add_task(deliver, self.mailer, message)
