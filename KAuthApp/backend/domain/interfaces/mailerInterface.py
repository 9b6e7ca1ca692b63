from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class MailMessage:
    to: str
    subject: str
    text: str


class MailerInterface(Protocol):
    async def send(self, message: MailMessage) -> None: ...
