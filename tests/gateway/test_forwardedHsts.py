from __future__ import annotations

import shutil
from collections.abc import Iterator

import httpx2
import pytest

from tests.gateway.conftest import GATEWAY_REDIS_DB, backendAddresses
from tests.gateway.gatewayProcess import GatewayInstance, RuleSetter, rule, runDirectory
from tests.gateway.test_rateLimit import freshIp

HSTS = "max-age=31536000; includeSubDomains"

# A backend's answer, the API docs page, a frontend page, a frontend file's 404 envelope, the gateway's 404 envelope
# for an unknown API path and its redirect: the last four run no limiter.
PATHS = ["/api/auth/me", "/api/auth/docs", "/auth/", "/auth/assets/missing.js", "/api/nothing-here", "/"]


def hstsOf(client: httpx2.Client, path: str, proto: str | None) -> list[str]:
    headers = {"X-Forwarded-For": freshIp()} | ({"X-Forwarded-Proto": proto} if proto is not None else {})
    return client.get(path, headers=headers).headers.get_list("Strict-Transport-Security")


@pytest.fixture(scope="module")
def untrustingGateway(testRedisPort: int) -> Iterator[GatewayInstance]:
    gateway = GatewayInstance(runDirectory("untrustedHsts"), testRedisPort, GATEWAY_REDIS_DB, *backendAddresses(),
                              trustedProxies="")
    gateway.start()
    yield gateway
    gateway.stop()
    shutil.rmtree(gateway.runDir, ignore_errors=True)


# Behind a load balancer that terminates TLS and forwards plain HTTP (a trusted proxy: the limiter gateway trusts
# 127.0.0.1), HSTS follows the scheme it reports, on every kind of answer, once.
@pytest.mark.parametrize("path", PATHS)
def test_trustedProxysHttpsGetsHsts(gatewayClient: httpx2.Client, path: str) -> None:
    assert hstsOf(gatewayClient, path, "https") == [HSTS]


def test_trustedProxysHttpsGetsHstsOnTheLimitersAnswer(rules: RuleSetter, gatewayClient: httpx2.Client) -> None:
    rules.set(rule("auth-login", 1, failMode="closed"))
    headers = {"X-Forwarded-For": freshIp(), "X-Forwarded-Proto": "https"}
    gatewayClient.post("/api/auth/login", headers=headers, json={})
    limited = gatewayClient.post("/api/auth/login", headers=headers, json={})
    assert limited.status_code == 429
    assert limited.headers.get_list("Strict-Transport-Security") == [HSTS]


# Plain HTTP without the header, or a trusted proxy's http or a value that is not exactly https: no HSTS.
@pytest.mark.parametrize("proto", [None, "http", "HTTPS", "https, http", "ftp"])
@pytest.mark.parametrize("path", PATHS)
def test_noHstsWithoutAnHttpsClient(gatewayClient: httpx2.Client, path: str, proto: str | None) -> None:
    assert hstsOf(gatewayClient, path, proto) == []


# A peer that is no trusted proxy cannot ask for HSTS (its X-Forwarded-Proto is replaced, docs/gateway.md "Scheme").
@pytest.mark.parametrize("path", PATHS)
def test_untrustedPeersHttpsGetsNoHsts(untrustingGateway: GatewayInstance, path: str) -> None:
    with httpx2.Client(base_url=untrustingGateway.url, timeout=5) as client:
        assert hstsOf(client, path, "https") == []
