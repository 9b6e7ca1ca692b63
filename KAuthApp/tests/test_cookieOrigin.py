from __future__ import annotations

from pathlib import Path

import httpx2
import pytest

from KAuthApp.tests.authTestSupport import auditRows, bearer, login, registerVerified, sessionIdOf
from shared.backend.config.settings import Settings
from shared.backend.database.engine import Database

ROOT_DIR = Path(__file__).resolve().parents[2]
# A page on a sibling subdomain: the same site, so SameSite=Strict still sends the refresh cookie.
SIBLING = {"Origin": "https://evil.localhost", "Sec-Fetch-Site": "same-site"}


# A cookie-only refresh or logout sent by another origin of the site is refused and audited; the session, its
# cookie and its token are left as they were.
@pytest.mark.parametrize("path", ["/api/auth/refresh", "/api/auth/logout"])
async def test_cookieCallFromAnotherOriginIsRefused(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, path: str
) -> None:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    for headers in (SIBLING, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.localhost"}):
        refused = await client.post(path, headers=headers)
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "origin_not_allowed"
    assert client.cookies.get("kauth_refresh") == tokens["refreshToken"]
    assert (await client.get("/api/auth/me", headers=bearer(tokens))).status_code == 200
    action = "auth.refresh" if path.endswith("refresh") else "auth.logout"
    denied = [details for name, outcome, _, _, details in await auditRows(database, address)
              if (name, outcome) == (action, "denied") and sessionIdOf(tokens) in details]
    assert len(denied) == 3 and all("origin_not_allowed" in details for details in denied)
    assert "https://evil.localhost" in denied[0] and "(none)" in denied[1]
    refreshed = await client.post("/api/auth/refresh")
    assert refreshed.status_code == 200, refreshed.text
    client.cookies.clear()


# The account pages (same-origin, whatever host name they were opened under), PUBLIC_BASE_URL's origin, a client
# that is not a browser, and a token sent in the body (a script that holds it) all go through.
@pytest.mark.parametrize("headers", [
    {"Origin": "http://127.0.0.1:8080", "Sec-Fetch-Site": "same-origin"},
    {"Origin": "__PUBLIC__"},
    {},
], ids=["same-origin", "public-origin", "no-browser"])
async def test_cookieCallFromTheAccountPagesGoesThrough(
    client: httpx2.AsyncClient, outboxDir: Path, appSettings: Settings, headers: dict[str, str]
) -> None:
    address = await registerVerified(client, outboxDir)
    await login(client, address)
    publicBase = appSettings.gateway.publicBaseUrl.rstrip("/")
    sent = {name: value.replace("__PUBLIC__", publicBase) for name, value in headers.items()}
    refreshed = await client.post("/api/auth/refresh", headers=sent)
    assert refreshed.status_code == 200, refreshed.text
    body = await client.post("/api/auth/refresh", headers=SIBLING,
                             json={"refreshToken": refreshed.json()["refreshToken"]})
    assert body.status_code == 200, body.text
    assert (await client.post("/api/auth/logout", headers=sent)).status_code == 204
    client.cookies.clear()


# docs/auth.md's audit list names the refusal as refuseForeignCookieCall writes it: its reason and details.
def test_theAuditListNamesTheRefusal() -> None:
    audit = (ROOT_DIR / "docs" / "auth.md").read_text().split("\n## Audit\n", 1)[1].split("\n## ", 1)[0]
    assert [word for word in ("origin_not_allowed", "origin", "sessionId") if f"`{word}`" not in audit] == []
