from __future__ import annotations

from pathlib import Path

import httpx2
from sqlalchemy import text

from KAuthApp.tests.authTestSupport import bearer, login, registerVerified
from shared.backend.database.engine import Database

PHONE = "+62 812-3456-7890"


async def test_profileUpdateAndEncryptedPhone(client: httpx2.AsyncClient, outboxDir: Path, database: Database) -> None:
    owner = await registerVerified(client, outboxDir)
    intruder = await registerVerified(client, outboxDir)
    ownerTokens = await login(client, owner)
    intruderTokens = await login(client, intruder)
    client.cookies.clear()
    updated = await client.patch("/api/auth/me", headers=bearer(ownerTokens),
                                 json={"displayName": "Budi", "phoneNumber": PHONE})
    assert updated.status_code == 200
    assert updated.json()["phoneNumber"] == "+6281234567890"
    assert updated.json()["displayName"] == "Budi"
    async with database.engine.begin() as connection:
        stored = (await connection.execute(text("SELECT phone_encrypted FROM users WHERE email = :email"),
                                           {"email": owner.lower()})).scalar_one()
        assert "81234567890" not in stored
        # A ciphertext copied to another account's row must not decrypt there.
        await connection.execute(text("UPDATE users SET phone_encrypted = :value WHERE email = :email"),
                                 {"value": stored, "email": intruder.lower()})
    stolen = await client.get("/api/auth/me", headers=bearer(intruderTokens))
    async with database.engine.begin() as connection:
        # Apps started later on this database check that stored values open: the misplaced copy goes.
        await connection.execute(text("UPDATE users SET phone_encrypted = NULL WHERE email = :email"),
                                 {"email": intruder.lower()})
    assert stolen.status_code == 200
    assert stolen.json()["phoneNumber"] is None
    assert (await client.get("/api/auth/me", headers=bearer(ownerTokens))).json()["phoneNumber"] == "+6281234567890"
    kept = await client.patch("/api/auth/me", headers=bearer(ownerTokens), json={"displayName": "Budi S"})
    assert kept.json()["phoneNumber"] == "+6281234567890"
    cleared = await client.patch("/api/auth/me", headers=bearer(ownerTokens), json={"phoneNumber": None})
    assert cleared.json()["phoneNumber"] is None
    invalid = await client.patch("/api/auth/me", headers=bearer(ownerTokens), json={"phoneNumber": "call me"})
    assert invalid.status_code == 422
