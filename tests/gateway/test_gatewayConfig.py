from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import socket
import ssl
import subprocess

import httpx2
import pytest
from redis.asyncio import Redis

from shared.backend.config.settings import Settings
from shared.backend.database.engine import Database
from tests.gateway.conftest import GATEWAY_REDIS_DB, backendAddresses
from tests.gateway.gatewayProcess import (
    ROOT_DIR,
    GatewayInstance,
    RuleSetter,
    freePort,
    rule,
    runDirectory,
    stackSetting,
)
from tests.security.securitySupport import AccountFactory


# Each API's Swagger UI page carries its own CSP: the CDN it loads from and the hash of its one inline script.
def test_apiDocsPagesAllowTheirOwnScriptsOnly(gatewayClient: httpx2.Client) -> None:
    for prefix in ("/api/auth", "/api/payment", "/api/admin"):
        page = gatewayClient.get(f"{prefix}/docs", headers={"X-Forwarded-For": "198.51.100.9"})
        assert page.status_code == 200, prefix
        policy = page.headers["Content-Security-Policy"]
        assert page.headers.get_list("Content-Security-Policy") == [policy]
        script = re.search(rb"<script>(.*?)</script>", page.content, re.DOTALL)
        assert script is not None and f"{prefix}/openapi.json".encode() in script.group(1)
        digest = base64.b64encode(hashlib.sha256(script.group(1)).digest()).decode()
        assert f"script-src https://cdn.jsdelivr.net 'sha256-{digest}';" in policy
        assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
        assert page.headers["X-Frame-Options"] == "DENY"
        assert page.headers["X-Request-ID"]


def test_bodyLimitsPerRouteGroup(gatewayClient: httpx2.Client, limiterGateway: GatewayInstance) -> None:
    offset = limiterGateway.logOffset()
    tooLarge = gatewayClient.post("/api/auth/login", content=b"x" * (17 * 1024),
                                  headers={"Content-Type": "application/json", "X-Forwarded-For": "198.51.100.7"})
    assert tooLarge.status_code == 413
    assert tooLarge.json()["error"]["code"] == "payload_too_large"
    fits = gatewayClient.post("/api/admin/auth/x", content=b"x" * (17 * 1024),
                              headers={"Content-Type": "application/json", "X-Forwarded-For": "198.51.100.7"})
    assert fits.status_code != 413
    entries = limiterGateway.entriesSince(offset, "/api/auth/login", 1)
    assert not entries[0]["upstream"]


def test_internalRoutesAreNotReachable(gatewayClient: httpx2.Client) -> None:
    for path in ("/internal/", "/internal/metrics", "/internal/bri/notify"):
        response = gatewayClient.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_securityHeaders(gatewayClient: httpx2.Client) -> None:
    api = gatewayClient.get("/api/auth/me", headers={"X-Forwarded-For": "198.51.100.8"})
    assert api.headers["X-Content-Type-Options"] == "nosniff"
    assert api.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in api.headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in api.headers
    page = gatewayClient.get("/auth/")
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in page.headers
    assert page.headers["Cache-Control"] == "no-store"  # personal pages never stored
    for prefix in ("/auth/", "/payment/", "/admin/"):
        html = gatewayClient.get(f"{prefix}some/deep/route")
        assert html.headers["Cache-Control"] == "no-store", prefix
    script = re.search(r'src="(/auth/assets/[^"]+\.js)"', page.text)
    assert script is not None
    asset = gatewayClient.get(script.group(1))
    assert asset.status_code == 200
    assert asset.headers["Cache-Control"] == "public, max-age=31536000, immutable"  # a new build renames it


# Tokens, MFA secrets, profiles and admin lists must not stay in a browser's or a proxy's cache: every API answer
# says no-store once, the backend's and the gateway's own (401, 404, 429 here; 502 below), as the frontends' HTML.
async def test_apiResponsesAreNeverStored(
        rules: RuleSetter, gatewayClient: httpx2.Client, settings: Settings, database: Database,
        redisClient: Redis) -> None:
    rules.set(rule("auth-login", 1, failMode="closed"))
    factory = AccountFactory(settings, database, redisClient)
    account = await factory.create(["user"], "nostore")
    client = {"X-Forwarded-For": "198.51.100.11"}
    try:
        me = gatewayClient.get("/api/auth/me", headers=client | {"Authorization": f"Bearer {account.userToken}"})
        assert me.status_code == 200, me.text
        login = gatewayClient.post("/api/auth/login", headers=client,
                                   json={"email": account.email, "password": "Wrong-password-1"})
        assert login.status_code == 401
        limited = gatewayClient.post("/api/auth/login", headers=client, json={})
        assert limited.status_code == 429
        anonymous = gatewayClient.get("/api/auth/me", headers=client)
        assert anonymous.status_code == 401
        noRoute = gatewayClient.get("/api/nothing-here")
        assert noRoute.status_code == 404
        docs = gatewayClient.get("/api/auth/docs", headers=client)
        for response in (me, login, limited, anonymous, noRoute, docs):
            assert response.headers.get_list("Cache-Control") == ["no-store"], response.request.url
    finally:
        await factory.cleanup()


def test_tlsListenerFromTheTemplateSendsHsts(testRedisPort: int) -> None:
    runDir = runDirectory("tls")
    gateway = GatewayInstance(runDir, testRedisPort, GATEWAY_REDIS_DB, *backendAddresses())
    tlsPort = freePort()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(runDir / "key.pem"), "-out", str(runDir / "cert.pem")],
                   check=True, capture_output=True)
    # renderGateway writes the HTTPS listener from the template when certificate and key are configured.
    gateway.env |= {"GATEWAY_TLS_PORT": f"127.0.0.1:{tlsPort}", "GATEWAY_TLS_CERT": str(runDir / "cert.pem"),
                    "GATEWAY_TLS_KEY": str(runDir / "key.pem")}
    gateway.start()
    trust = ssl.create_default_context(cafile=str(runDir / "cert.pem"))
    try:
        secure = httpx2.get(f"https://127.0.0.1:{tlsPort}/api/auth/me", verify=trust, timeout=5)
        assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
        assert secure.headers["RateLimit-Policy"].startswith('"auth";')
        page = httpx2.get(f"https://127.0.0.1:{tlsPort}/auth/", verify=trust, timeout=5)
        assert "Strict-Transport-Security" in page.headers
        # Plain HTTP is redirected to the TLS listener, method and body kept; health probes stay plain.
        plain = httpx2.post(f"{gateway.url}/api/auth/login?next=x", json={}, timeout=5)
        assert plain.status_code == 308
        assert plain.headers["Location"] == f"https://127.0.0.1:{tlsPort}/api/auth/login?next=x"
        assert "Strict-Transport-Security" not in plain.headers
        probe = httpx2.get(f"{gateway.url}/health/public", timeout=5)
        assert probe.status_code != 308 and "Location" not in probe.headers
        assert f"listen 127.0.0.1:{tlsPort} ssl" in (runDir / "tls" / "tls.conf").read_text()
    finally:
        gateway.stop()
        shutil.rmtree(runDir, ignore_errors=True)


def test_sharedTestGatewayRunsTheLimiter() -> None:
    port = stackSetting("TEST_GATEWAY_PORT", "28080")
    response = httpx2.get(f"http://127.0.0.1:{port}/api/auth/me", timeout=5)
    assert response.headers["RateLimit-Policy"].startswith('"auth";q=')
    assert response.headers["RateLimit"].startswith('"auth";r=')


# Errors nginx raises itself, before any route, still answer in the envelope.
def test_gatewayOwnErrorsUseTheEnvelope(gatewayClient: httpx2.Client) -> None:
    cases = [
        (gatewayClient.post("/health/public"), 405, "method_not_allowed"),
        (gatewayClient.get("/api/auth/" + "x" * 9000), 414, "uri_too_long"),
        (gatewayClient.get("/api/auth/me", headers={"X-Big": "y" * 9000}), 431, "headers_too_large"),
    ]
    for response, status, code in cases:
        assert (response.status_code, response.headers["Content-Type"]) == (status, "application/json"), code
        assert response.json()["error"]["code"] == code
    assert gatewayClient.get("/health/public").status_code == 200


def rawExchange(port: int, request: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
    # A raw socket: httpx2 cannot send a bad request line or an unknown Transfer-Encoding.
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    statusLine, *lines = head.decode("latin-1").split("\r\n")
    headers = [(name.strip(), value.strip()) for name, _, value in (line.partition(":") for line in lines)]
    return int(statusLine.split()[1]), headers, body


def assertEnvelope(status: int, headers: list[tuple[str, str]], body: bytes, expected: int, code: str) -> None:
    names = [name.lower() for name, _ in headers]
    assert status == expected, code
    assert sorted(names) == sorted(set(names)), f"{code}: a header sent twice: {names}"
    values = {name.lower(): value for name, value in headers}
    assert values["content-type"] == "application/json", code
    assert "content-range" not in values and "etag" not in values, code
    assert values["x-content-type-options"] == "nosniff", code
    error = json.loads(body)["error"]
    assert (error["code"], error["requestId"]) == (code, values["x-request-id"])


# Errors nginx raises before choosing a location (501, 505) or after a location began its answer (the
# static module's 416 once its headers ran, its 405 on POST once it set the file's type, its 412 for a failed
# If-Match).
def test_lateAndEarlyNginxErrorsUseTheEnvelopeWithEachHeaderOnce(limiterGateway: GatewayInstance) -> None:
    port = limiterGateway.port
    cases = [
        (b"POST /api/auth/login HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\n",
         501, "not_implemented"),
        (b"GET /api/auth/me HTTP/2.0\r\nHost: a\r\nConnection: close\r\n\r\n", 505, "http_version_not_supported"),
        (b"GET /auth/index.html HTTP/1.1\r\nHost: a\r\nRange: bytes=99999-\r\nConnection: close\r\n\r\n",
         416, "range_not_satisfiable"),
        (b"POST /auth/ HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
         405, "method_not_allowed"),
        (b'GET /auth/index.html HTTP/1.1\r\nHost: a\r\nIf-Match: "nope"\r\nConnection: close\r\n\r\n',
         412, "precondition_failed"),
    ]
    for request, status, code in cases:
        assertEnvelope(*rawExchange(port, request), status, code)
    # A satisfiable range on the same page is still served.
    partial = httpx2.get(f"{limiterGateway.url}/auth/index.html", headers={"Range": "bytes=0-3"}, timeout=5)
    assert partial.status_code == 206 and len(partial.content) == 4


# Requests nginx passes on but uvicorn's HTTP parser refuses, which it answers with a text/plain 400 of its own:
# the gateway sends the envelope instead. The backends' own 400s keep their envelope and code.
@pytest.mark.parametrize("request_", [
    b"FOO /api/auth/me HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    b"GET /api/auth/caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    b"GET /api/admin/users HTTP/1.1\r\nHost: a\r\nX-A: a\x01b\r\nConnection: close\r\n\r\n",
    b"GET /api/payment/payments?q=\xff HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
], ids=["unknownMethod", "rawUtf8InPath", "controlCharacterInHeader", "rawByteInQuery"])
def test_requestsTheBackendsParserRefusesGetTheEnvelope(limiterGateway: GatewayInstance, request_: bytes) -> None:
    status, headers, body = rawExchange(limiterGateway.port, request_)
    # nginx keeps the charset parameter of the type it replaced (uvicorn's text/plain; charset=utf-8).
    assert ("content-type", "application/json; charset=utf-8") in [(name.lower(), value) for name, value in headers]
    plain = [(name, "application/json" if name.lower() == "content-type" else value) for name, value in headers]
    assertEnvelope(status, plain, body, 400, "bad_request")


# A path that decodes to a control character is refused before any location and reaches no backend: Starlette's
# route patterns match before a final newline, so "/api/auth/login%0A" was served by the login route while the
# limiter, comparing exact paths, counted it in the looser "auth" group (every exact-path rule could be dodged).
@pytest.mark.parametrize("target", [
    b"POST /api/auth/login%0A", b"POST /api/auth/register%0a", b"POST /api/auth/password/forgot%0A",
    b"GET /api/auth/me/export%0A", b"POST /api/admin/auth/login%0A", b"POST /api/payment/payments%09",
    b"GET /api/auth/me%7F", b"GET /auth/%1F",
])
def test_pathsWithControlCharactersAreRefused(limiterGateway: GatewayInstance, target: bytes) -> None:
    status, headers, body = rawExchange(limiterGateway.port, target + b" HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n"
                                        b"Content-Type: application/json\r\nConnection: close\r\n\r\n{}")
    assertEnvelope(status, headers, body, 400, "bad_request")
    assert json.loads(body)["error"]["message"] == "Malformed request"
    assert "ratelimit-policy" not in [name.lower() for name, _ in headers]


# escape=json passes bytes over 0x7f as they are: a path holding them (raw, or percent-encoded and decoded into
# $uri) is logged as sent when that is ASCII, without its query, else as a marker; every line stays UTF-8 JSON.
def test_accessLogLinesStayUtf8(limiterGateway: GatewayInstance) -> None:
    sent = {
        "encoded": (b"/api/none/caf%C3%A9/%FF?token=secret", "/api/none/caf%C3%A9/%FF"),
        "raw": (b"/api/none/caf\xc3\xa9/\xff?token=secret", "(path with bytes over 0x7f)"),
        "plain": (b"/api/none/plain?token=secret", "/api/none/plain"),
    }
    for name, (target, _) in sent.items():
        rawExchange(limiterGateway.port, b"GET " + target + b" HTTP/1.1\r\nHost: a\r\nX-Request-ID: log-utf8-"
                    + name.encode() + b"-" + str(limiterGateway.port).encode() + b"\r\nConnection: close\r\n\r\n")
    limiterGateway.logOffset()
    lines = limiterGateway.accessLog.read_bytes().decode("utf-8").splitlines()
    for name, (_, logged) in sent.items():
        [entry] = [json.loads(line) for line in lines if f'"log-utf8-{name}-{limiterGateway.port}"' in line]
        assert entry["path"] == logged, name


def test_theBackendsOwnBadRequestsPassUntouched(limiterGateway: GatewayInstance) -> None:
    status, _, body = rawExchange(limiterGateway.port, b"POST /api/payment/payments HTTP/1.1\r\nHost: a\r\n"
                                        b"Content-Length: 2\r\nContent-Type: application/json\r\n"
                                        b"Connection: close\r\n\r\n{}")
    assert (status, json.loads(body)["error"]["code"]) == (401, "unauthenticated")
    refused = httpx2.post(f"{limiterGateway.url}/api/auth/verify-email", json={"token": "a" * 43}, timeout=5)
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "token_invalid_or_used")
    assert refused.json()["error"]["message"] == "The link is invalid, expired or already used"


# An upstream that is down: the 502 envelope keeps the quota headers the limiter set before proxying.
def test_badGatewayEnvelopeKeepsTheQuotaHeaders(testRedisPort: int) -> None:
    runDir = runDirectory("deadUpstream")
    gateway = GatewayInstance(runDir, testRedisPort, GATEWAY_REDIS_DB, f"127.0.0.1:{freePort()}",
                              f"127.0.0.1:{freePort()}")
    gateway.start()
    try:
        status, headers, body = rawExchange(
            gateway.port, b"GET /api/auth/me HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        assertEnvelope(status, headers, body, 502, "bad_gateway")
        values = {name.lower(): value for name, value in headers}
        assert values["cache-control"] == "no-store"
        assert values["ratelimit-policy"].startswith('"auth";q=')
        assert values["ratelimit"].startswith('"auth";r=')
    finally:
        gateway.stop()
        shutil.rmtree(runDir, ignore_errors=True)


# A body larger than client_body_buffer_size goes to a temp file and reaches the backend after a delayed-ACK stall
# (45 ms for a 12-KB body): every body the route limits allow must fit the buffer.
def test_everyAllowedBodyFitsTheBodyBuffer() -> None:
    conf = (ROOT_DIR / "nginx" / "nginx.conf").read_text()
    kib = {"k": 1, "m": 1024}
    [buffer] = [int(size) * kib[unit] for size, unit in re.findall(r"client_body_buffer_size (\d+)([km]);", conf)]
    limits = [int(size) * kib[unit] for size, unit in re.findall(r"client_max_body_size (\d+)([km]);", conf)]
    assert limits and max(limits) <= buffer, (limits, buffer)
