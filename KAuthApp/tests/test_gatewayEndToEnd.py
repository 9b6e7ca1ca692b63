from __future__ import annotations

import httpx2

from KAuthApp.tests.authTestSupport import PASSWORD, bearer, latestToken, uniqueEmail
from shared.backend.config.settings import Settings


# Through the real nginx gateway and the running public server: the mail is read from the outbox
# the server writes (settings.mail.outboxDir), exactly as a developer would open it.
async def test_registerVerifyLoginMeThroughGateway(gatewayUrl: str, settings: Settings) -> None:
    address = uniqueEmail("e2e")
    async with httpx2.AsyncClient(base_url=gatewayUrl, timeout=30) as client:
        registered = await client.post("/api/auth/register", json={"email": address, "password": PASSWORD})
        assert registered.status_code == 202, registered.text
        assert registered.headers.get("x-request-id")
        token = latestToken(settings.mail.outboxDir, address, "verify-email")
        verified = await client.post("/api/auth/verify-email", json={"token": token})
        assert verified.status_code == 200, verified.text
        login = await client.post("/api/auth/login", json={"email": address, "password": PASSWORD})
        assert login.status_code == 200, login.text
        tokens = login.json()
        assert "httponly" in login.headers["set-cookie"].lower()
        me = await client.get("/api/auth/me", headers=bearer(tokens))
        assert me.status_code == 200, me.text
        assert me.json()["email"] == address.lower()
        refreshed = await client.post("/api/auth/refresh")
        assert refreshed.status_code == 200, refreshed.text
        fresh = refreshed.json()
        assert (await client.post("/api/auth/logout", headers=bearer(fresh))).status_code == 204
        revoked = await client.get("/api/auth/me", headers=bearer(fresh))
        assert revoked.status_code == 401
        assert revoked.json()["error"]["code"] in {"session_revoked", "invalid_token", "unauthenticated"}
