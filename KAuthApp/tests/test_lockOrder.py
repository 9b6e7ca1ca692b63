from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import datetime
from pathlib import Path

import httpx2
import pytest

from KAuthApp.backend.application import changePassword
from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.application.signedInUser import lockSignedInUser
from KAuthApp.backend.domain.models.oneTimeToken import OneTimeToken
from KAuthApp.backend.domain.models.user import User
from KAuthApp.backend.infrastructure.database.oneTimeTokenRepository import OneTimeTokenRepository
from KAuthApp.backend.infrastructure.database.sessionRepository import SessionRepository
from KAuthApp.backend.infrastructure.database.userRepository import UserRepository
from KAuthApp.tests.authTestSupport import PASSWORD, bearer, latestToken, login, registerVerified, uniqueEmail

# How long a hook waits for the other request's step; with one lock order that step waits on our lock instead.
STEP_WAIT = 2.0


async def waitFor(event: asyncio.Event) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), STEP_WAIT)


# Every use case locks the user row before that user's sessions and one-time tokens. A logout-all that locked
# the sessions first and then wrote the user row (its admin console tokens) deadlocked with a password change
# (user row, then the sessions), and PostgreSQL aborted one of them (500); an admin's lock, disable or
# revocation takes the same order as the change. Here logout-all holds its locks until the change has asked for
# the user row: the change then waits, and finds its session ended (or, when it got the row first, both pass).
async def test_logoutAllAndPasswordChangeDoNotDeadlock(
    client: httpx2.AsyncClient, outboxDir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = await registerVerified(client, outboxDir)
    ending, changing = await login(client, address), await login(client, address)
    client.cookies.clear()
    changeLocking = asyncio.Event()
    revokeAllOf = SessionRepository.revokeAllOf

    async def logoutAllHolds(self: SessionRepository, userId: uuid.UUID, reason: str, now: datetime,
                             keep: uuid.UUID | None = None) -> list[uuid.UUID]:
        revoked = await revokeAllOf(self, userId, reason, now, keep)
        if reason == "logout_all":
            await waitFor(changeLocking)
            await asyncio.sleep(0.2)  # the change's row lock reaches PostgreSQL and waits on ours
        return revoked

    async def changeLocks(ports: AuthPorts, userId: uuid.UUID, sessionId: uuid.UUID) -> User:
        changeLocking.set()
        return await lockSignedInUser(ports, userId, sessionId)

    monkeypatch.setattr(SessionRepository, "revokeAllOf", logoutAllHolds)
    monkeypatch.setattr(changePassword, "lockSignedInUser", changeLocks)
    ended, changed = await asyncio.gather(
        client.post("/api/auth/logout-all", headers=bearer(ending)),
        client.post("/api/auth/password/change", headers=bearer(changing),
                    json={"currentPassword": PASSWORD, "newPassword": "a brand new passphrase 7"}),
    )
    client.cookies.clear()
    outcome = (ended.status_code, changed.status_code, changed.json()["error"]["code"] if changed.content else None)
    assert outcome in ((204, 401, "session_revoked"), (204, 204, None)), (ended.text, changed.text)


# A verification locked its token and then the user row, while a resend (and a register for a pending address,
# a forgotten password, a password change) locks the user row and then writes the open tokens: the two deadlocked.
async def test_verifyAndResendDoNotDeadlock(
    client: httpx2.AsyncClient, outboxDir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = uniqueEmail()
    assert (await client.post("/api/auth/register", json={"email": address, "password": PASSWORD})).status_code == 202
    token = latestToken(outboxDir, address, "verify-email")
    tokenRead, userLocked = asyncio.Event(), asyncio.Event()
    getByHash, getByEmail, getById = OneTimeTokenRepository.getByHash, UserRepository.getByEmail, UserRepository.getById

    async def verifyReads(self: OneTimeTokenRepository, tokenHash: str, forUpdate: bool = False) -> OneTimeToken | None:
        entry = await getByHash(self, tokenHash, forUpdate)
        tokenRead.set()
        return entry

    async def resendLocks(self: UserRepository, email: str, forUpdate: bool = False) -> User | None:
        await waitFor(tokenRead)
        user = await getByEmail(self, email, forUpdate)
        userLocked.set()
        return user

    async def verifyLocksUser(self: UserRepository, id: uuid.UUID, forUpdate: bool = False) -> User | None:
        await waitFor(userLocked)
        return await getById(self, id, forUpdate)

    monkeypatch.setattr(OneTimeTokenRepository, "getByHash", verifyReads)
    monkeypatch.setattr(UserRepository, "getByEmail", resendLocks)
    monkeypatch.setattr(UserRepository, "getById", verifyLocksUser)
    verified, resent = await asyncio.gather(
        client.post("/api/auth/verify-email", json={"token": token}),
        client.post("/api/auth/verify-email/resend", json={"email": address}),
    )
    monkeypatch.undo()
    assert resent.status_code == 202, resent.text
    # The resend, committed first, left the verification's link usable; the verification then voided the resent one.
    assert verified.status_code == 200, verified.text
    fresh = latestToken(outboxDir, address, "verify-email", count=2)
    stale = await client.post("/api/auth/verify-email", json={"token": fresh})
    assert (stale.status_code, stale.json()["error"]["code"]) == (400, "token_invalid_or_used")


# Two resets with one link at once: the link is read unlocked to find its user and again under the lock, so the
# second reset sees it used (the first read, kept in the session, must not stand in for the locked one).
async def test_oneResetLinkSetsOnePassword(client: httpx2.AsyncClient, outboxDir: Path) -> None:
    address = await registerVerified(client, outboxDir)
    assert (await client.post("/api/auth/password/forgot", json={"email": address})).status_code == 202
    token = latestToken(outboxDir, address, "reset-password")
    passwords = ("first new passphrase 71", "second new passphrase 72")
    answers = await asyncio.gather(*(
        client.post("/api/auth/password/reset", json={"token": token, "newPassword": password})
        for password in passwords
    ))
    assert sorted(answer.status_code for answer in answers) == [204, 400], [answer.text for answer in answers]
    winner = passwords[[answer.status_code for answer in answers].index(204)]
    assert (await login(client, address, winner))["accessToken"]
    client.cookies.clear()


# A register for a pending address reads the account unlocked, then again under its lock before it takes the
# registration's password. A verification committed in between must be seen by the locked read (the first read,
# kept in the session, must not stand in for it): the now verified account keeps its owner's password.
async def test_aRegisterRacingAVerificationLeavesTheVerifiedPassword(
    client: httpx2.AsyncClient, outboxDir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = uniqueEmail()
    assert (await client.post("/api/auth/register", json={"email": address, "password": PASSWORD})).status_code == 202
    token = latestToken(outboxDir, address, "verify-email")
    getByEmail, verified = UserRepository.getByEmail, []

    async def verifyBetweenTheReads(self: UserRepository, email: str, forUpdate: bool = False) -> User | None:
        user = await getByEmail(self, email, forUpdate)
        if not forUpdate and not verified:
            verified.append((await client.post("/api/auth/verify-email", json={"token": token})).status_code)
        return user

    monkeypatch.setattr(UserRepository, "getByEmail", verifyBetweenTheReads)
    other = "an intruder's passphrase 73"
    registered = await client.post("/api/auth/register", json={"email": address, "password": other})
    monkeypatch.undo()
    assert (verified, registered.status_code) == ([200], 202), registered.text
    assert (await client.post("/api/auth/login", json={"email": address, "password": other})).status_code == 401
    assert (await login(client, address))["accessToken"]
    client.cookies.clear()
