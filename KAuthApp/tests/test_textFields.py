from __future__ import annotations

from pathlib import Path

import httpx2
import pytest
from sqlalchemy import text

from KAuthApp.tests.authTestSupport import (
    PASSWORD,
    auditRows,
    bearer,
    latestToken,
    login,
    registerVerified,
    runSql,
    uniqueEmail,
    userIdOf,
)
from shared.backend.database.engine import Database

OTHER_PASSWORD = "another long passphrase 7"
CONTROLS = ["tab\there", "two\nlines", "bell\x07", "del\x7f", "c1\x85", "c1\x9f"]


def answerOf(response: httpx2.Response) -> tuple[int, dict[str, object]]:
    body = response.json()
    if "error" in body:
        body = {key: value for key, value in body["error"].items() if key != "requestId"}
    return response.status_code, body


def refusedFields(response: httpx2.Response) -> list[str]:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_failed", response.text
    return [detail["field"] for detail in error["details"]]


async def storedUser(database: Database, address: str) -> tuple[object, ...] | None:
    async with database.engine.connect() as connection:
        row = (await connection.execute(text(
            "SELECT display_name, password_hash, status, updated_at, "
            "(SELECT count(*) FROM sessions s WHERE s.user_id = u.id), "
            "(SELECT count(*) FROM one_time_tokens t WHERE t.user_id = u.id AND t.used_at IS NULL) "
            "FROM users u WHERE email = :email"), {"email": address.lower()})).one_or_none()
    return tuple(row) if row is not None else None


async def accountsState(database: Database, addresses: list[str]) -> list[object]:
    return [(await storedUser(database, address), len(await auditRows(database, address))) for address in addresses]


# A NUL display name reached PostgreSQL only for a new or still-pending address (422 invalid_input there), while
# a verified, disabled, locked or deleted account never wrote it and answered 202: an enumeration oracle. Now
# every address gets the same field 422 before any lookup, and nothing is written or mailed.
async def test_aNulDisplayNameAnswersAlikeForEveryAddress(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    verified, disabled = await registerVerified(client, outboxDir), await registerVerified(client, outboxDir)
    await runSql(database, "UPDATE users SET status = 'disabled' WHERE id = :id", await userIdOf(database, disabled))
    pending = uniqueEmail()
    await client.post("/api/auth/register", json={"email": pending, "password": PASSWORD, "displayName": "Pending"})
    latestToken(outboxDir, pending, "verify-email")
    addresses = [verified, disabled, pending, uniqueEmail()]
    before = await accountsState(database, addresses)
    answers = []
    for address in addresses:
        response = await client.post("/api/auth/register", json={
            "email": address, "password": OTHER_PASSWORD, "displayName": "a\u0000b"})
        answers.append(answerOf(response))
    assert answers == [answers[0]] * len(addresses), answers
    assert answers[0][0] == 422 and answers[0][1]["code"] == "validation_failed"
    assert [detail["field"] for detail in answers[0][1]["details"]] == ["displayName"]  # type: ignore[attr-defined]
    assert await accountsState(database, addresses) == before


@pytest.mark.parametrize("displayName", ["nul\x00", *CONTROLS])
async def test_registerRefusesControlCharactersInTheDisplayName(
    client: httpx2.AsyncClient, database: Database, displayName: str
) -> None:
    address = uniqueEmail()
    response = await client.post("/api/auth/register", json={
        "email": address, "password": PASSWORD, "displayName": displayName})
    assert refusedFields(response) == ["displayName"]
    assert await storedUser(database, address) is None


async def test_profileRefusesControlCharactersInTheDisplayName(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    client.cookies.clear()
    named = await client.patch("/api/auth/me", headers=bearer(tokens), json={"displayName": "Budi Ñandú 😀"})
    assert named.status_code == 200 and named.json()["displayName"] == "Budi Ñandú 😀"
    before = await storedUser(database, address)
    for displayName in ["nul\x00", *CONTROLS]:
        response = await client.patch("/api/auth/me", headers=bearer(tokens), json={"displayName": displayName})
        assert refusedFields(response) == ["displayName"], displayName
    assert await storedUser(database, address) == before


# A name is stored trimmed on register and on update; one of spaces only is the field's 422 (null clears it).
async def test_displayNamesAreStoredTrimmedAndBlankOnesRefused(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address = uniqueEmail()
    registered = await client.post("/api/auth/register", json={
        "email": address, "password": PASSWORD, "displayName": "  Siti  "})
    assert registered.status_code == 202, registered.text
    assert (await storedUser(database, address) or ())[0] == "Siti"
    assert refusedFields(await client.post("/api/auth/register", json={
        "email": uniqueEmail(), "password": PASSWORD, "displayName": "   "})) == ["displayName"]
    verified = await registerVerified(client, outboxDir)
    tokens = await login(client, verified)
    client.cookies.clear()
    named = await client.patch("/api/auth/me", headers=bearer(tokens), json={"displayName": " Budi "})
    assert named.status_code == 200 and named.json()["displayName"] == "Budi"
    before = await storedUser(database, verified)
    blank = await client.patch("/api/auth/me", headers=bearer(tokens), json={"displayName": "   "})
    assert refusedFields(blank) == ["displayName"]
    assert await storedUser(database, verified) == before
    cleared = await client.patch("/api/auth/me", headers=bearer(tokens), json={"displayName": None})
    assert cleared.status_code == 200 and cleared.json()["displayName"] is None


# Fields that are stored or looked up: a NUL (or a control character in the device name) is the field's 422 for
# any account, known or not, and changes nothing.
async def test_lookupAndStoredFieldsRefuseNul(client: httpx2.AsyncClient, outboxDir: Path, database: Database) -> None:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    client.cookies.clear()
    await client.post("/api/auth/password/forgot", json={"email": address})
    resetToken = latestToken(outboxDir, address, "reset-password")
    before = await accountsState(database, [address])
    credentials = {"email": address, "password": PASSWORD}
    cases: list[tuple[str, dict[str, object], str]] = [
        ("/api/auth/login", {**credentials, "email": "a\x00b@example.com"}, "email"),
        ("/api/auth/login", {**credentials, "email": address + "\x00"}, "email"),
        ("/api/auth/login", {**credentials, "totpCode": "12345\x00"}, "totpCode"),
        ("/api/auth/login", {**credentials, "recoveryCode": "abcde\x00"}, "recoveryCode"),
        ("/api/auth/login", {**credentials, "deviceFingerprint": "laptop\x00"}, "deviceFingerprint"),
        ("/api/auth/login", {**credentials, "deviceFingerprint": "laptop\nwork"}, "deviceFingerprint"),
        ("/api/auth/verify-email", {"token": "abc\x00"}, "token"),
        ("/api/auth/refresh", {"refreshToken": tokens["refreshToken"] + "\x00"}, "refreshToken"),
        ("/api/auth/logout", {"refreshToken": tokens["refreshToken"] + "\x00"}, "refreshToken"),
        ("/api/auth/password/reset", {"token": resetToken + "\x00", "newPassword": OTHER_PASSWORD}, "token"),
        ("/api/auth/password/reset", {"token": resetToken, "newPassword": OTHER_PASSWORD + "\x00"}, "newPassword"),
        ("/api/auth/mfa/totp/enable", {"code": "12345\x00"}, "code"),
        ("/api/auth/mfa/totp/disable", {"password": PASSWORD, "code": "12345\x00"}, "code"),
        ("/api/auth/mfa/totp/disable", {"password": PASSWORD, "recoveryCode": "abcde\x00"}, "recoveryCode"),
    ]
    for path, body, field in cases:
        response = await client.post(path, json=body, headers=bearer(tokens))
        client.cookies.clear()
        assert refusedFields(response) == [field], (path, body)
    assert await accountsState(database, [address]) == before
    assert (await client.get("/api/auth/me", headers=bearer(tokens))).status_code == 200
    reset = await client.post("/api/auth/password/reset", json={"token": resetToken, "newPassword": OTHER_PASSWORD})
    assert reset.status_code == 204


# A password being set may not hold a NUL (a 422 on the field before any lookup or check); one being checked is
# taken as typed, so a NUL in it is a wrong password, answered as for an unknown address.
async def test_aNulInAPasswordIsRefusedWhereItIsSet(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    client.cookies.clear()
    nul = "nul\x00" + OTHER_PASSWORD
    fresh = uniqueEmail()
    for email in (fresh, address):
        response = await client.post("/api/auth/register", json={"email": email, "password": nul})
        assert refusedFields(response) == ["password"], email
    assert await storedUser(database, fresh) is None
    before = await accountsState(database, [address])
    for currentPassword in (PASSWORD, "wrong password 123"):
        response = await client.post("/api/auth/password/change", headers=bearer(tokens),
                                     json={"currentPassword": currentPassword, "newPassword": nul})
        assert refusedFields(response) == ["newPassword"]
    assert await accountsState(database, [address]) == before
    wrong = await client.post("/api/auth/login", json={"email": address, "password": nul})
    unknown = await client.post("/api/auth/login", json={"email": uniqueEmail(), "password": nul})
    client.cookies.clear()
    assert answerOf(wrong) == answerOf(unknown)
    assert answerOf(wrong)[0] == 401 and answerOf(wrong)[1]["code"] == "invalid_credentials"


HIDDEN = ["Budi\u200bSetiawan", "\ufeffSiti", "evil\u202egnp.exe", "a\u2066b\u2069", "\u2067x", "\u2068x\u2069",
          "word\u2060joiner", "mark\u200f", "mark\u200e", "arabic\u061c", "soft\u00adhyphen", "line\u2028break",
          "para\u2029graph", "\u202ax\u202c", "\u202bx", "\u202dx", "math\u2062", "hangul\u3164", "tag\U000e0041"]
BLANK = ["\u200c", "\u200d\u200c", " \u200d ", "\u2800", "\u3000\ufe0f"]
KEPT = ["\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "\u0915\u094d\u200d\u0937", "\u2764\ufe0f Ani",
        "Ana \U0001f468\u200d\U0001f469\u200d\U0001f467", "\u674e\u5c0f\u9f99",
        "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f Iain"]


# Invisible and direction-changing characters passed: a name of only U+200B dodged the blank rule and U+202E made a
# name render as another. They are refused; one of only spaces and joiners is blank; ZWJ, ZWNJ and emoji stay.
async def test_displayNamesRefuseInvisibleAndDirectionCharacters(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    client.cookies.clear()
    for displayName in KEPT:
        kept = await client.patch("/api/auth/me", headers=bearer(tokens), json={"displayName": displayName})
        assert kept.status_code == 200 and kept.json()["displayName"] == displayName, kept.text
    before = await storedUser(database, address)
    for displayName in [*HIDDEN, *BLANK, "\u200b", "\u200b \ufeff"]:
        response = await client.patch("/api/auth/me", headers=bearer(tokens), json={"displayName": displayName})
        assert refusedFields(response) == ["displayName"], ascii(displayName)
        fresh = uniqueEmail()
        registered = await client.post("/api/auth/register", json={
            "email": fresh, "password": PASSWORD, "displayName": displayName})
        assert refusedFields(registered) == ["displayName"], ascii(displayName)
        assert await storedUser(database, fresh) is None
    assert await storedUser(database, address) == before


async def test_aDeviceNameRefusesDirectionCharacters(client: httpx2.AsyncClient, outboxDir: Path) -> None:
    address = await registerVerified(client, outboxDir)
    for deviceFingerprint in ["laptop\u202eevil", "\u200b", "phone\u2066"]:
        response = await client.post("/api/auth/login", json={
            "email": address, "password": PASSWORD, "deviceFingerprint": deviceFingerprint})
        client.cookies.clear()
        assert refusedFields(response) == ["deviceFingerprint"], ascii(deviceFingerprint)
