from __future__ import annotations

import base64
import os
from pathlib import Path

import httpx2
from sqlalchemy import text

from KAuthApp.tests.authTestSupport import bearer, login, registerVerified, userIdOf
from shared.backend.config.secretSettings import CryptoSettings
from shared.backend.cryptoFactory import createCrypto
from shared.backend.database.engine import Database
from shared.backend.security.fieldContexts import phoneContext

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


# A phone number no configured key opens (mid master-key rotation, docs/crypto.md) reads as null; a PATCH that leaves
# phoneNumber out keeps the stored ciphertext byte for byte, so restoring the key or reencrypt-secrets brings it back.
async def test_anUnreadablePhoneSurvivesAnUpdateThatLeavesItOut(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    client.cookies.clear()
    userId = await userIdOf(database, address)
    other = createCrypto(CryptoSettings(CRYPTO_MASTER_KEY=base64.b64encode(os.urandom(32)).decode(),  # type: ignore[call-arg]
                                        _env_file=None))
    sealed = other.encryptSensitive("+6281234567890", phoneContext(userId))
    readStored = text("SELECT phone_encrypted FROM users WHERE id = :id")
    async with database.engine.begin() as connection:
        await connection.execute(text("UPDATE users SET phone_encrypted = :value WHERE id = :id"),
                                 {"value": sealed, "id": userId})
    try:
        shown = await client.get("/api/auth/me", headers=bearer(tokens))
        assert shown.status_code == 200
        assert shown.json()["phoneNumber"] is None
        renamed = await client.patch("/api/auth/me", headers=bearer(tokens), json={"displayName": "x"})
        assert renamed.status_code == 200, renamed.text
        assert renamed.json()["displayName"] == "x"
        assert renamed.json()["phoneNumber"] is None
        async with database.engine.connect() as connection:
            assert (await connection.execute(readStored, {"id": userId})).scalar_one() == sealed
    finally:
        # Apps started later on the shared test database sample the stored phone numbers.
        async with database.engine.begin() as connection:
            await connection.execute(text("UPDATE users SET phone_encrypted = NULL WHERE id = :id"), {"id": userId})
