from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from KAuthApp.backend.domain.interfaces.mailerInterface import MailMessage


# RFC 5322 allows lines of 998 characters. An ASCII text within that goes out as 7bit, so each link stays whole in
# the .eml a developer opens (the default re-encodes any line over 78 characters as quoted-printable: a copied
# verification link then holds `=3D` and a soft line break, and the page calls it invalid).
def transferEncoding(text: str) -> str | None:
    return "7bit" if text.isascii() and all(len(line) <= 998 for line in text.splitlines()) else None


def buildEmail(message: MailMessage, fromAddress: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = fromAddress
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False, usegmt=True)
    email["Message-ID"] = make_msgid(domain=fromAddress.partition("@")[2] or "kservices.local")
    email.set_content(message.text, cte=transferEncoding(message.text))
    return email
