from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from shared.backend.config.groupSettings import GroupSettings
from shared.backend.utils.origin import isHost

# RFC 5322's dot-atom local part, then a host name.
ADDRESS = re.compile(r"([A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)@([^@]+)")
IMPLICIT_TLS_PORT = 465
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
DEVELOPMENT_DOMAIN = "kservices.local"


def checkMailAddress(value: str) -> str:
    if "<" in value:
        # The mailers name the Message-ID's domain after the address's.
        raise ValueError(f"'{value}' must be a bare address such as no-reply@example.com (no display name)")
    match = ADDRESS.fullmatch(value)
    if match is None or not isHost(match.group(3).lower()):
        raise ValueError(f"'{value}' is not an email address such as no-reply@example.com")
    return value


class MailSettings(GroupSettings):
    backend: Literal["file", "smtp"] = Field("file", validation_alias="MAIL_BACKEND")
    outboxDir: Path = Field(Path(".run/mail"), validation_alias="MAIL_OUTBOX_DIR")
    fromAddress: str = Field(f"no-reply@{DEVELOPMENT_DOMAIN}", validation_alias="MAIL_FROM")
    # No default: a relay named by nobody (localhost, say) would fail every mail, or reach whatever listens there.
    smtpHost: str = Field("", validation_alias="SMTP_HOST")
    smtpPort: int = Field(587, ge=1, le=65535, validation_alias="SMTP_PORT")
    smtpUser: str = Field("", validation_alias="SMTP_USER")
    smtpPassword: SecretStr = Field(SecretStr(""), validation_alias="SMTP_PASSWORD")
    smtpStartTls: bool = Field(True, validation_alias="SMTP_STARTTLS")

    @field_validator("fromAddress")
    @classmethod
    def requireAddress(cls, value: str) -> str:
        return checkMailAddress(value)

    # Path("") is the current directory: the mails, their links' tokens included, would land in the checkout.
    @field_validator("outboxDir", mode="before")
    @classmethod
    def requireDirectory(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            raise ValueError("must not be empty (the directory the file backend writes mails to)")
        return value

    @model_validator(mode="after")
    def requireUsableSmtp(self) -> MailSettings:
        if self.backend != "smtp":
            return self
        if not self.smtpHost.strip():
            raise ValueError("SMTP_HOST: must be set when MAIL_BACKEND=smtp")
        if self.smtpPort == IMPLICIT_TLS_PORT:
            # aiosmtplib would talk plain SMTP to a port that waits for a TLS handshake, and time out per mail.
            raise ValueError("SMTP_PORT: 465 is implicit TLS, which the mailer does not speak: only STARTTLS is "
                             "supported (the server's submission port, usually 587, with SMTP_STARTTLS=true)")
        if bool(self.smtpUser) != bool(self.smtpPassword.get_secret_value()):
            # One without the other would log in with an empty user or password at every mail.
            raise ValueError("SMTP_USER and SMTP_PASSWORD: set both (the relay's login) or neither (no login)")
        return self


def mailProductionProblems(mail: MailSettings) -> list[str]:
    problems = []
    if mail.fromAddress.rpartition("@")[2].lower() == DEVELOPMENT_DOMAIN:
        # Mail from a .local domain no one owns is refused or filed as spam by the recipients' servers.
        problems.append(f"MAIL_FROM: {mail.fromAddress} is development's sender; set the company's own address")
    if mail.backend == "file":
        # The file outbox keeps every verification and reset link, token included, in plain files.
        problems.append("MAIL_BACKEND: file is for development and tests; use smtp in production")
    elif not mail.smtpStartTls and mail.smtpHost.strip().lower() not in LOOPBACK_HOSTS:
        # Without STARTTLS the SMTP password and every mailed verification or reset link cross the network in clear.
        problems.append("SMTP_STARTTLS: must be true in production unless SMTP_HOST is a relay on this host "
                        "(localhost)")
    return problems
