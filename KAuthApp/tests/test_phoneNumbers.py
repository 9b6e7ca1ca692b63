from __future__ import annotations

from pathlib import Path

import httpx2
import pytest
from sqlalchemy import text

from KAuthApp.tests.authTestSupport import bearer, login, registerVerified, userIdOf
from shared.backend.config.settings import Settings
from shared.backend.cryptoFactory import createCrypto
from shared.backend.database.engine import Database
from shared.backend.security.fieldContexts import phoneContext

NOT_DIALABLE = ["1------", "+1 2 3 4 5 6", "12-34-56", "+1234567890123456", "1234 5678 9012 3456"]
DIALABLE = [("+683 1234", "+6831234"), ("0812-3456-7890", "081234567890"), ("+123 456 789 012 345", "+123456789012345")]


# Spaces and dashes counted toward the length, so "1------" was stored as "1": a stored number now has 7 to 15 digits.
@pytest.mark.parametrize("phoneNumber", NOT_DIALABLE)
async def test_aNumberWithTooFewOrTooManyDigitsIsRefused(
    client: httpx2.AsyncClient, outboxDir: Path, phoneNumber: str
) -> None:
    tokens = await login(client, await registerVerified(client, outboxDir))
    client.cookies.clear()
    response = await client.patch("/api/auth/me", headers=bearer(tokens), json={"phoneNumber": phoneNumber})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert [detail["field"] for detail in error["details"]] == ["phoneNumber"]
    assert (await client.get("/api/auth/me", headers=bearer(tokens))).json()["phoneNumber"] is None


async def test_numbersOfSevenToFifteenDigitsAreStoredAsDigits(client: httpx2.AsyncClient, outboxDir: Path) -> None:
    tokens = await login(client, await registerVerified(client, outboxDir))
    client.cookies.clear()
    for phoneNumber, stored in DIALABLE:
        response = await client.patch("/api/auth/me", headers=bearer(tokens), json={"phoneNumber": phoneNumber})
        assert response.status_code == 200, response.text
        assert response.json()["phoneNumber"] == stored


# A short number stored before the rule is read and shown as stored; only a new value must follow the rule.
async def test_aShortNumberStoredBeforeTheRuleIsShownAsStored(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, appSettings: Settings
) -> None:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    client.cookies.clear()
    userId = await userIdOf(database, address)
    stored = createCrypto(appSettings.crypto).encryptSensitive("1", phoneContext(userId))
    async with database.engine.begin() as connection:
        await connection.execute(text("UPDATE users SET phone_encrypted = :value WHERE id = :id"),
                                 {"value": stored, "id": userId})
    shown = await client.get("/api/auth/me", headers=bearer(tokens))
    assert shown.status_code == 200 and shown.json()["phoneNumber"] == "1"
    named = await client.patch("/api/auth/me", headers=bearer(tokens), json={"displayName": "Ani"})
    assert named.status_code == 200 and named.json()["phoneNumber"] == "1"
