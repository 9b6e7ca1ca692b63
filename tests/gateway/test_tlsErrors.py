from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator

import pytest

from tests.gateway.conftest import GATEWAY_REDIS_DB, backendAddresses
from tests.gateway.gatewayProcess import GatewayInstance, freePort, runDirectory
from tests.gateway.test_gatewayConfig import assertEnvelope, rawExchange


# A gateway with the TLS listener rendered from the template (self-signed certificate) beside the plain one.
@pytest.fixture
def tlsGateway(testRedisPort: int) -> Iterator[tuple[GatewayInstance, int]]:
    runDir = runDirectory("tls-errors")
    gateway = GatewayInstance(runDir, testRedisPort, GATEWAY_REDIS_DB, *backendAddresses())
    tlsPort = freePort()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", str(runDir / "key.pem"), "-out", str(runDir / "cert.pem")],
                   check=True, capture_output=True)
    gateway.env |= {"GATEWAY_TLS_PORT": f"127.0.0.1:{tlsPort}", "GATEWAY_TLS_CERT": str(runDir / "cert.pem"),
                    "GATEWAY_TLS_KEY": str(runDir / "key.pem")}
    gateway.start()
    yield gateway, tlsPort
    gateway.stop()
    shutil.rmtree(runDir, ignore_errors=True)


# Plain HTTP sent to the TLS port: the 400 envelope (nginx's own answer would be an HTML page), without HSTS.
def test_plainHttpOnTheTlsPortGetsTheEnvelope(tlsGateway: tuple[GatewayInstance, int]) -> None:
    _, tlsPort = tlsGateway
    for request in (b"GET /api/auth/me HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
                    b"POST /api/auth/login HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
                    b"GET /auth/ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"):
        status, headers, body = rawExchange(tlsPort, request)
        assertEnvelope(status, headers, body, 400, "bad_request")
        assert "HTTPS port" in body.decode()
        assert "strict-transport-security" not in {name.lower() for name, _ in headers}


# The errors nginx raises before choosing a location keep their envelope on the plain listener too, instead of a
# redirect to the TLS listener (which would point at the internal error page, or at https://_).
def test_earlyErrorsOnThePlainListenerAreNotRedirected(tlsGateway: tuple[GatewayInstance, int]) -> None:
    gateway, tlsPort = tlsGateway
    cases = [
        (b"GET /api/auth/" + b"x" * 9000 + b" HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 414, "uri_too_long"),
        (b"GET /api/auth/me HTTP/2.0\r\nHost: a\r\nConnection: close\r\n\r\n", 505, "http_version_not_supported"),
        (b"GET /api/auth/me HTTP/1.1\r\nHost: a\r\nX-Big: " + b"y" * 9000 + b"\r\nConnection: close\r\n\r\n",
         431, "headers_too_large"),
    ]
    for request, status, code in cases:
        assertEnvelope(*rawExchange(gateway.port, request), status, code)
    # A request that reached a route is still redirected.
    status, headers, _ = rawExchange(gateway.port, b"GET /api/auth/me HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    assert status == 308 and dict(headers)["Location"] == f"https://a:{tlsPort}/api/auth/me"
