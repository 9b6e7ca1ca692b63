from __future__ import annotations

import base64
import os
from pathlib import Path

import httpx2
import pyotp
from sqlalchemy import text

from KAuthApp.tests.authTestSupport import PASSWORD, bearer, login, registerVerified, userIdOf
from shared.backend.config.secretSettings import CryptoSettings
from shared.backend.cryptoFactory import createCrypto
from shared.backend.database.engine import Database
from shared.backend.security.secondFactor import mfaContext

SET_SECRET = "UPDATE users SET totp_secret_encrypted = :value WHERE id = :id"


# A TOTP secret no configured key opens (the master key rotated without the old one in CRYPTO_PREVIOUS_MASTER_KEYS):
# the login and MFA disable say the stored data cannot be read (503), not an anonymous 500.
async def test_aTotpSecretNoKeyOpensIsANamed503(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    client.cookies.clear()
    setup = await client.post("/api/auth/mfa/totp/setup", headers=bearer(tokens), json={"password": PASSWORD})
    totp = pyotp.TOTP(setup.json()["secret"])
    enabled = await client.post("/api/auth/mfa/totp/enable", headers=bearer(tokens), json={"code": totp.now()})
    assert enabled.status_code == 200, enabled.text
    userId = await userIdOf(database, address)
    other = createCrypto(CryptoSettings(CRYPTO_MASTER_KEY=base64.b64encode(os.urandom(32)).decode(),  # type: ignore[call-arg]
                                        _env_file=None))
    async with database.engine.begin() as connection:
        await connection.execute(text(SET_SECRET), {"value": other.encryptSensitive(totp.secret, mfaContext(userId)),
                                                    "id": userId})
    try:
        answered = await client.post("/api/auth/login", json={"email": address, "password": PASSWORD,
                                                              "totpCode": totp.now()})
        assert answered.status_code == 503, answered.text
        assert answered.json()["error"]["code"] == "stored_data_unreadable"
        assert "accessToken" not in answered.text
        disable = await client.post("/api/auth/mfa/totp/disable", headers=bearer(tokens),
                                    json={"password": PASSWORD, "code": totp.now()})
        assert disable.status_code == 503, disable.text
        assert disable.json()["error"]["code"] == "stored_data_unreadable"
    finally:
        # Apps started later on the shared test database sample the stored secrets.
        async with database.engine.begin() as connection:
            await connection.execute(text("UPDATE users SET totp_secret_encrypted = NULL, mfa_enabled = false "
                                          "WHERE id = :id"), {"id": userId})
