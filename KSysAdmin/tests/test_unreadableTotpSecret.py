from __future__ import annotations

import base64
import os

import pyotp
from sqlalchemy import update

from KSysAdmin.backend.domain.models.user import User
from KSysAdmin.tests.adminSupport import PASSWORD, AdminWorld
from shared.backend.config.secretSettings import CryptoSettings
from shared.backend.cryptoFactory import createCrypto
from shared.backend.security.secondFactor import mfaContext

LOGIN = "/api/admin/auth/login"


# An admin whose TOTP secret no configured key opens (written under a key the configuration no longer lists): the
# console's login says the stored data cannot be read (503), not an anonymous 500.
async def test_anAdminTotpSecretNoKeyOpensIsANamed503(world: AdminWorld) -> None:
    other = createCrypto(CryptoSettings(CRYPTO_MASTER_KEY=base64.b64encode(os.urandom(32)).decode(),  # type: ignore[call-arg]
                                        _env_file=None))
    admin = await world.createUser(roles=("admin",))
    secret = pyotp.random_base32()
    async with world.database.sessionFactory() as session:
        await session.execute(update(User).where(User.id == admin.id).values(
            mfaEnabled=True, totpSecretEncrypted=other.encryptSensitive(secret, mfaContext(admin.id))))
        await session.commit()
    try:
        response = await world.client.post(LOGIN, json={"email": admin.email, "password": PASSWORD,
                                                        "totpCode": pyotp.TOTP(secret).now()})
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "stored_data_unreadable"
        assert "accessToken" not in response.text
    finally:
        # Later admin apps on this database sample the stored secrets at startup.
        async with world.database.sessionFactory() as session:
            await session.execute(update(User).where(User.id == admin.id).values(mfaEnabled=False,
                                                                                 totpSecretEncrypted=None))
            await session.commit()
