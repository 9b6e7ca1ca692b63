from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from KAuthApp.backend.domain.interfaces.mailerInterface import MailMessage


def buildEmail(message: MailMessage, fromAddress: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = fromAddress
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False, usegmt=True)
    email["Message-ID"] = make_msgid(domain=fromAddress.partition("@")[2] or "kservices.local")
    email.set_content(message.text)
    return email
