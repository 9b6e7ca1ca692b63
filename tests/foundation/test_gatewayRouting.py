from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx2
import pytest

from shared.backend.config.settings import Settings
from shared.backend.utils.uuid import generateId
from tests.support.processes import freePort

ROOT = Path(__file__).resolve().parents[2]


def logLinesWith(path: Path, requestId: str, timeout: float = 3.0) -> list[dict[str, object]]:
    deadline = time.monotonic() + timeout
    while True:
        lines = [json.loads(line) for line in path.read_text().splitlines() if requestId in line]
        if lines or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


@pytest.mark.parametrize(
    ("path", "title", "server"),
    [
        ("/api/auth/openapi.json", "KAuthApp", "public"),
        ("/api/payment/openapi.json", "KSysPayment", "public"),
        ("/api/admin/openapi.json", "KSysAdmin", "admin"),
    ],
)
def test_eachPrefixReachesItsServer(
    gatewayUrl: str, runDir: Path, settings: Settings, path: str, title: str, server: str
) -> None:
    requestId = f"route-{generateId().hex}"
    response = httpx2.get(gatewayUrl + path, headers={"X-Request-ID": requestId})
    assert response.status_code == 200
    assert response.json()["info"]["title"] == title
    upstreams = {str(line["upstream"]) for line in logLinesWith(runDir / "gateway/access.log", requestId)}
    port = {"public": "TEST_PUBLIC_PORT", "admin": "TEST_ADMIN_PORT"}[server]
    expected = dict(line.split("=", 1) for line in (runDir / "env").read_text().splitlines() if "=" in line)[port]
    assert upstreams == {f"127.0.0.1:{expected}"}


def test_healthOfBothServersThroughGateway(gatewayUrl: str) -> None:
    for name in ("public", "admin"):
        response = httpx2.get(f"{gatewayUrl}/health/{name}")
        assert response.status_code == 200
        assert response.json()["components"]["database"]["status"] == "up"


def rawHead(url: str) -> tuple[int, dict[str, str], bytes]:
    # A raw socket read to the end: an HTTP client would drop a body sent after a HEAD's headers.
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as connection:
        connection.sendall(f"HEAD {parts.path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    statusLine, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return int(statusLine.split()[1]), headers, body


# Load balancers and uptime probes send HEAD: each health route answers it as GET, status and headers, no body,
# on both servers and through the gateway.
def test_healthAnswersHeadLikeGet(gatewayUrl: str, runDir: Path) -> None:
    ports = dict(line.split("=", 1) for line in (runDir / "env").read_text().splitlines() if "=" in line)
    urls = [f"{gatewayUrl}/health/public", f"{gatewayUrl}/health/admin",
            f"http://127.0.0.1:{ports['TEST_PUBLIC_PORT']}/health", f"http://127.0.0.1:{ports['TEST_ADMIN_PORT']}/health"]
    for url in urls:
        get = httpx2.get(url, headers={"Connection": "close"})
        status, headers, body = rawHead(url)
        assert (status, body) == (get.status_code, b""), url
        assert status == 200, url
        assert set(headers) == set(get.headers), url
        # The date, the request id, the quota left and the body's length (latencies vary) differ per call.
        for name in set(get.headers) - {"date", "x-request-id", "ratelimit", "content-length"}:
            assert headers[name] == get.headers[name], (url, name)
        assert int(headers["content-length"]) > 0, url
    refused = httpx2.post(urls[2])
    assert refused.status_code == 405 and set(refused.headers["Allow"].split(", ")) == {"GET", "HEAD"}


def test_unknownApiPathIsAnsweredByGatewayInEnvelope(gatewayUrl: str, runDir: Path) -> None:
    requestId = f"unknown-{generateId().hex}"
    response = httpx2.get(f"{gatewayUrl}/api/unknown/thing", headers={"X-Request-ID": requestId})
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "No route for this path", "requestId": requestId, "details": []}
    }
    assert [line["upstream"] for line in logLinesWith(runDir / "gateway/access.log", requestId)] == [""]


def test_requestIdPropagatesToBackendLogsAndBack(gatewayUrl: str, runDir: Path) -> None:
    requestId = f"trace-{generateId().hex}"
    response = httpx2.get(f"{gatewayUrl}/api/auth/does-not-exist", headers={"X-Request-ID": requestId})
    assert response.status_code == 404
    assert response.headers["X-Request-ID"] == requestId
    assert response.headers.get_list("X-Request-ID") == [requestId]
    assert response.json()["error"]["requestId"] == requestId
    backendLines = logLinesWith(runDir / "public.log", requestId)
    assert any(line.get("label") == "http_request" for line in backendLines)


def test_gatewayGeneratesRequestIdWhenAbsentOrMalformed(gatewayUrl: str, runDir: Path) -> None:
    for headers in ({}, {"X-Request-ID": "bad id"}):
        response = httpx2.get(f"{gatewayUrl}/api/admin/nothing-here", headers=headers)
        generated = response.headers["X-Request-ID"]
        assert len(generated) == 32 and generated != "bad id"
        assert response.json()["error"]["requestId"] == generated
        assert logLinesWith(runDir / "admin.log", generated)


def test_oversizedBodyAnsweredByGatewayInEnvelope(gatewayUrl: str) -> None:
    response = httpx2.post(f"{gatewayUrl}/api/auth/register", content=b"x" * 200_000,
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_spaDeepLinkServesIndexWithCsp(gatewayUrl: str) -> None:
    response = httpx2.get(f"{gatewayUrl}/auth/deep/link/route")
    assert response.status_code == 200
    assert "<html" in response.text.lower()
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_backendDownGives502Envelope(tmp_path: Path) -> None:
    gatewayPort, deadPort = freePort(), freePort()
    env = os.environ | {
        "GATEWAY_PORT": str(gatewayPort), "PUBLIC_UPSTREAM": f"127.0.0.1:{deadPort}",
        "ADMIN_UPSTREAM": f"127.0.0.1:{deadPort}", "GATEWAY_REDIS_HOST": "127.0.0.1",
        "GATEWAY_REDIS_PORT": str(freePort()), "GATEWAY_REDIS_DB": "0", "GATEWAY_TRUSTED_PROXIES": "",
    }
    script = f"source {ROOT}/scripts/lib/common.sh; source {ROOT}/scripts/lib/gateway.sh; "
    subprocess.run(["bash", "-c", script + f"startGateway {tmp_path}"], env=env, check=True, timeout=30)
    try:
        response = httpx2.get(f"http://127.0.0.1:{gatewayPort}/api/auth/anything",
                              headers={"X-Request-ID": "down-1234"})
        assert response.status_code == 502
        assert response.json()["error"] == {
            "code": "bad_gateway", "message": "Upstream service unreachable", "requestId": "down-1234", "details": [],
        }
    finally:
        subprocess.run(["bash", "-c", script + f"stopGateway {tmp_path}"], env=env, check=False, timeout=30)


def test_malformedRequestLineGetsThe400Envelope(settings: Settings) -> None:
    with socket.create_connection(("127.0.0.1", settings.gateway.port), timeout=5) as connection:
        connection.sendall(b"GET /api/admin/users/nul%00byte HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        raw = b""
        while chunk := connection.recv(65536):
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert b"Content-Type: application/json" in head
    assert json.loads(body)["error"]["code"] == "bad_request"
