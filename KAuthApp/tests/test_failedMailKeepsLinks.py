from __future__ import annotations

from pathlib import Path

import httpx2
import pytest

from KAuthApp.backend.domain.interfaces.mailerInterface import MailMessage
from KAuthApp.backend.infrastructure.mail.fileOutboxMailer import FileOutboxMailer
from KAuthApp.tests.authTestSupport import PASSWORD, latestToken, login, mailsTo, registerVerified, uniqueEmail

NEW_PASSWORD = "reset after a lost mail 31"


# The mail server refuses every mail from here on (SMTP down); returns the subjects it was handed.
def mailFails(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    refused: list[str] = []

    async def refuse(self: FileOutboxMailer, message: MailMessage) -> None:
        refused.append(message.subject)
        raise ConnectionRefusedError("the mail server is down")

    monkeypatch.setattr(FileOutboxMailer, "send", refuse)
    return refused


# A resend's mail that never arrives must not take away the link the user already has: issuing no longer voids it.
async def test_aFailedResendLeavesTheEarlierVerificationLinkWorking(
    client: httpx2.AsyncClient, outboxDir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = uniqueEmail()
    assert (await client.post("/api/auth/register", json={"email": address, "password": PASSWORD})).status_code == 202
    first = latestToken(outboxDir, address, "verify-email")
    refused = mailFails(monkeypatch)
    assert (await client.post("/api/auth/verify-email/resend", json={"email": address})).status_code == 202
    monkeypatch.undo()
    assert len(refused) == 1 and len(mailsTo(outboxDir, address)) == 1
    verified = await client.post("/api/auth/verify-email", json={"token": first})
    assert verified.status_code == 200, verified.text
    assert (await login(client, address))["accessToken"]
    client.cookies.clear()


async def test_aFailedForgotLeavesTheEarlierResetLinkWorking(
    client: httpx2.AsyncClient, outboxDir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = await registerVerified(client, outboxDir)
    assert (await client.post("/api/auth/password/forgot", json={"email": address})).status_code == 202
    first = latestToken(outboxDir, address, "reset-password", count=2)
    refused = mailFails(monkeypatch)
    assert (await client.post("/api/auth/password/forgot", json={"email": address})).status_code == 202
    monkeypatch.undo()
    assert len(refused) == 1 and len(mailsTo(outboxDir, address)) == 2
    reset = await client.post("/api/auth/password/reset", json={"token": first, "newPassword": NEW_PASSWORD})
    assert reset.status_code == 204, reset.text
    assert (await login(client, address, NEW_PASSWORD))["accessToken"]
    client.cookies.clear()
