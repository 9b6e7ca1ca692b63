from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from tests.gateway.conftest import GATEWAY_REDIS_DB, backendAddresses
from tests.gateway.gatewayProcess import GatewayInstance, runDirectory

# A missing frontend file answers the 404 envelope, not the app's index.html with 200: a stale tab would run HTML
# as a script, a cache could store it under the asset's URL, and no 404 would show in the access log.
APPS = ("auth", "payment", "admin")
SCRIPT = "assets/index-0a1b2c3d.js"
STYLE = "assets/index-4e5f6a7b.css"
IMMUTABLE = "public, max-age=31536000, immutable"


def writeBuild(directory: Path, app: str) -> None:
    # What Vite emits for an app: index.html and its hashed assets under assets/.
    (directory / "assets").mkdir(parents=True)
    (directory / "index.html").write_text(f'<title>{app} app</title><script type="module" src="/{app}/{SCRIPT}">')
    (directory / SCRIPT).write_text("export {};\n")
    (directory / STYLE).write_text("body { margin: 0; }\n")


@pytest.fixture(scope="module")
def frontendGateway(testRedisPort: int) -> Iterator[GatewayInstance]:
    gateway = GatewayInstance(runDirectory("frontend-files"), testRedisPort, GATEWAY_REDIS_DB, *backendAddresses())
    gateway.render()
    # Fixed builds in place of the links renderGateway made (the real builds or the placeholder page).
    for app in APPS:
        (gateway.runDir / "www" / app).unlink()
        writeBuild(gateway.runDir / "www" / app, app)
    gateway.launch()
    yield gateway
    gateway.stop()
    shutil.rmtree(gateway.runDir, ignore_errors=True)


@pytest.fixture
def client(frontendGateway: GatewayInstance) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=frontendGateway.url, timeout=5) as client:
        yield client


def assertFrontendHeaders(response: httpx2.Response) -> None:
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Request-ID"]


@pytest.mark.parametrize("app", APPS)
def test_builtAssetsAreServedAndCachedForAYear(client: httpx2.Client, app: str) -> None:
    script = client.get(f"/{app}/{SCRIPT}")
    assert script.status_code == 200
    assert script.headers["Content-Type"] in ("application/javascript", "text/javascript")
    assert script.text == "export {};\n"
    style = client.get(f"/{app}/{STYLE}")
    assert style.status_code == 200
    assert style.headers["Content-Type"] == "text/css"
    for response in (script, style):
        assertFrontendHeaders(response)
        assert response.headers.get_list("Cache-Control") == [IMMUTABLE]


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("path", ["assets/index-deadbeef.js", "assets/index-deadbeef.css", "assets/", "assets",
                                  "index-0a1b2c3d.js", "favicon.ico", "robots.txt", "manifest.webmanifest",
                                  "users/index.js"])
def test_missingFilesAnswer404(client: httpx2.Client, app: str, path: str) -> None:
    response = client.get(f"/{app}/{path}")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"
    assert response.headers.get_list("Cache-Control") == ["no-store"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/auth/", "/auth/sessions", "/auth/login?next=/auth/assets/x.js",
                                  "/admin/users/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "/admin/settings",
                                  "/payment/payments/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c", "/payment/new",
                                  "/auth/index.html"])
def test_clientRoutesGetTheAppPage(client: httpx2.Client, path: str) -> None:
    response = client.get(path)
    app = path.split("/")[1]
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html"
    assert f"<title>{app} app</title>" in response.text
    assert response.headers.get_list("Cache-Control") == ["no-store"]
    assertFrontendHeaders(response)
