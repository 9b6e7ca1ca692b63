from __future__ import annotations

import dataclasses
import email
import re
import time
import uuid
from email import policy
from pathlib import Path

import httpx2
from sqlalchemy import text

from shared.backend.config.settings import Settings
from shared.backend.database.engine import Database

PASSWORD = "correct horse battery staple 42"
TOKEN_LINK = re.compile(r"/auth/(verify-email|reset-password)\?token=([A-Za-z0-9_\-%]+)")


def uniqueEmail(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@Example.com"


def mailsTo(outboxDir: Path, address: str) -> list[email.message.EmailMessage]:
    # The outbox writes `.tmp-*.eml` and renames it: skip those, and files renamed while being read.
    stored = []
    for path in outboxDir.glob("*.eml"):
        if path.name.startswith("."):
            continue
        try:
            stored.append((path.stat().st_mtime_ns, path.read_bytes()))
        except FileNotFoundError:
            continue
    found = []
    for _, raw in sorted(stored, key=lambda item: item[0]):
        message = email.message_from_bytes(raw, policy=policy.default)
        if str(message["To"]).lower() == address.lower():
            found.append(message)
    return found


def waitForMails(
    outboxDir: Path, address: str, count: int = 1, timeout: float = 10.0
) -> list[email.message.EmailMessage]:
    deadline = time.monotonic() + timeout
    while True:
        found = mailsTo(outboxDir, address)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def bodyOf(message: email.message.EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def tokenFrom(message: email.message.EmailMessage, kind: str) -> str:
    for match in TOKEN_LINK.finditer(bodyOf(message)):
        if match.group(1) == kind:
            return match.group(2)
    raise AssertionError(f"no {kind} link in mail")


def latestToken(outboxDir: Path, address: str, kind: str, count: int = 1) -> str:
    mails = [mail for mail in waitForMails(outboxDir, address, count) if f"/auth/{kind}?" in bodyOf(mail)]
    assert mails, f"no {kind} mail for {address}"
    return tokenFrom(mails[-1], kind)


async def registerVerified(client: httpx2.AsyncClient, outboxDir: Path, prefix: str = "user") -> str:
    address = uniqueEmail(prefix)
    response = await client.post("/api/auth/register", json={"email": address, "password": PASSWORD})
    assert response.status_code == 202, response.text
    token = latestToken(outboxDir, address, "verify-email")
    verified = await client.post("/api/auth/verify-email", json={"token": token})
    assert verified.status_code == 200, verified.text
    return address


# Each sign-in stands for a browser of its own: sent with a refresh cookie it would end that cookie's session
# (docs/auth.md), so the jar is emptied first.
async def login(client: httpx2.AsyncClient, address: str, password: str = PASSWORD, **extra: str) -> dict[str, str]:
    client.cookies.clear()
    response = await client.post("/api/auth/login", json={"email": address, "password": password, **extra})
    assert response.status_code == 200, response.text
    return response.json()


def bearer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['accessToken']}"}


def authAppSettings(settings: Settings, outboxDir: Path, **auth: int) -> Settings:
    # model_copy skips validation, so tests may use lockout windows far below the production minimums.
    return dataclasses.replace(
        settings,
        auth=settings.auth.model_copy(update=auth),
        mail=settings.mail.model_copy(update={"backend": "file", "outboxDir": outboxDir}),
    )


# Direct SQL on a user's rows, for tests that set up state the API does not offer (roles, ids).
async def userIdOf(database: Database, address: str) -> uuid.UUID:
    async with database.engine.connect() as connection:
        found = await connection.execute(text("SELECT id FROM users WHERE email = :email"), {"email": address.lower()})
        return found.scalar_one()


async def auditRows(database: Database, address: str) -> list[tuple[str, str, str | None, str | None, str]]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(text(
            "SELECT a.action, a.outcome, a.ip, a.request_id, a.details::text FROM audit_logs a "
            "JOIN users u ON a.target_id = u.id::text WHERE u.email = :email ORDER BY a.created_at, a.id"
        ), {"email": address.lower()})
        return [tuple(row) for row in rows.all()]  # type: ignore[misc]


async def runSql(database: Database, statement: str, userId: uuid.UUID) -> None:
    async with database.engine.begin() as connection:
        await connection.execute(text(statement), {"id": userId})


def sessionIdOf(tokens: dict[str, str]) -> str:
    return str(uuid.UUID(hex=tokens["refreshToken"].split(".")[0]))


# The session was last refreshed longer ago than the rotation grace (2 s), as when a thief replays a token.
async def ageLastUse(database: Database, tokens: dict[str, str], seconds: int = 3) -> None:
    async with database.engine.begin() as connection:
        await connection.execute(text("UPDATE sessions SET last_used_at = last_used_at - make_interval(secs => :s) "
                                      "WHERE id = :id"), {"s": seconds, "id": sessionIdOf(tokens)})


# A signed-in account (address, tokens) without its cookie, the session's last use aged past the rotation grace:
# a forged or replayed refresh token is then judged as a thief's, not as a racing tab's.
async def agedSession(client: httpx2.AsyncClient, outboxDir: Path, database: Database) -> tuple[str, dict[str, str]]:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    client.cookies.clear()
    await ageLastUse(database, tokens)
    return address, tokens
