from __future__ import annotations

import dataclasses
from pathlib import Path

import httpx2
import jwt
from pydantic import SecretStr

from KAuthApp.backend.infrastructure.http.authService import createAuthService
from KAuthApp.tests.authTestSupport import ageLastUse, auditRows, bearer, login, registerVerified, sessionIdOf
from shared.backend.appFactory import createApp
from shared.backend.config.settings import Settings
from shared.backend.database.engine import Database
from tests.support.inProcess import runningApp

NEW_SECRET = "a-new-jwt-secret-after-the-rotation-0123456789"


# The same service restarted with JWT_SECRET replaced, the old one listed as previous or not.
def rotated(appSettings: Settings, keepPrevious: bool) -> Settings:
    old = [appSettings.jwt.secret] if keepPrevious else []
    jwtSettings = appSettings.jwt.model_copy(update={"secret": SecretStr(NEW_SECRET), "previousSecrets": old})
    return dataclasses.replace(appSettings, jwt=jwtSettings)


async def test_tokensIssuedBeforeARotation(
    client: httpx2.AsyncClient, outboxDir: Path, appSettings: Settings, database: Database
) -> None:
    address = await registerVerified(client, outboxDir)
    stolen = await login(client, address)
    current = (await client.post("/api/auth/refresh", json={"refreshToken": stolen["refreshToken"]})).json()
    client.cookies.clear()
    await ageLastUse(database, current)

    bare = rotated(appSettings, keepPrevious=False)
    async with runningApp(createApp(bare, createAuthService(bare))) as after:
        refused = await after.get("/api/auth/me", headers=bearer(current))
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "invalid_token"
        # Without the old secret a rotated token's tag is unknown: refused as forged, the family kept.
        replay = await after.post("/api/auth/refresh", json={"refreshToken": stolen["refreshToken"]})
        assert replay.json()["error"]["code"] == "invalid_token"
    reasons = [details for action, _, _, _, details in await auditRows(database, address) if action == "auth.refresh"]
    assert "forged_token" in reasons[-1]

    keeping = rotated(appSettings, keepPrevious=True)
    async with runningApp(createApp(keeping, createAuthService(keeping))) as after:
        assert (await after.get("/api/auth/me", headers=bearer(current))).status_code == 200
        renewed = await after.post("/api/auth/refresh", json={"refreshToken": current["refreshToken"]})
        assert renewed.status_code == 200
        jwt.decode(renewed.json()["accessToken"], NEW_SECRET, algorithms=["HS256"],
                   audience=appSettings.jwt.userAudience)  # signed with the new secret
        await ageLastUse(database, renewed.json())
        reused = await after.post("/api/auth/refresh", json={"refreshToken": stolen["refreshToken"]})
        assert reused.json()["error"]["code"] == "refresh_token_reused"
        assert (await after.get("/api/auth/me", headers=bearer(renewed.json()))).status_code == 401
        after.cookies.clear()
    assert sessionIdOf(renewed.json()) == sessionIdOf(stolen)
