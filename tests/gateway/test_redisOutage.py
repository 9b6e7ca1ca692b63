from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
import redis

from tests.gateway.conftest import backendAddresses
from tests.gateway.gatewayProcess import GatewayInstance, RedisServer, RuleSetter, rule, runDirectory

# A private Redis and gateway: stopping this Redis never disturbs the shared test stack.


class OutageStack:
    def __init__(self, directory: Path) -> None:
        self.redisServer = RedisServer(directory)
        public, admin = backendAddresses()
        self.gateway = GatewayInstance(runDirectory("outage"), self.redisServer.port, 0, public, admin,
                                       trustedProxies="")

    def redisClient(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.redisServer.port, decode_responses=True)


@pytest.fixture(scope="module")
def outage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OutageStack]:
    stack = OutageStack(Path(tmp_path_factory.mktemp("outage")))
    stack.redisServer.start()
    stack.gateway.start()
    yield stack
    stack.gateway.stop()
    stack.redisServer.stop()
    shutil.rmtree(stack.gateway.runDir, ignore_errors=True)


@pytest.fixture
def outageClient(outage: OutageStack) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=outage.gateway.url, timeout=5) as client:
        yield client


def commandCalls(client: redis.Redis, command: str) -> int:
    stats = client.info("commandstats")
    entry = stats.get(f"cmdstat_{command}")
    return int(entry["calls"]) if isinstance(entry, dict) else 0


def test_rejectedFloodCostsNoRedisCallAndForwardedForIsIgnoredFromUntrustedPeers(
        outage: OutageStack, outageClient: httpx2.Client) -> None:
    client = outage.redisClient()
    # Default auth-login rule: 10 per 60 s per address. The peer is not a trusted proxy, so rotating
    # X-Forwarded-For does not give a fresh quota.
    statuses = [outageClient.post("/api/auth/login", json={},
                                  headers={"X-Forwarded-For": f"203.0.113.{index}"}).status_code
                for index in range(11)]
    assert all(status != 429 for status in statuses[:10])
    assert statuses[10] == 429
    client.config_resetstat()
    flood = [outageClient.post("/api/auth/login", json={}).status_code for _ in range(200)]
    assert set(flood) == {429}
    assert commandCalls(client, "evalsha") == 0
    assert commandCalls(client, "eval") == 0
    client.close()


def test_redisDownFailsClosedForLoginAndOpenForTheRestThenRecovers(
        outage: OutageStack, outageClient: httpx2.Client) -> None:
    client = outage.redisClient()
    client.flushall()
    client.close()
    # Fresh local state: the previous test's address block expires with the worker's cache only,
    # so this test uses the admin login (same closed default) and payment routes.
    assert outageClient.get("/api/payment/payments").status_code != 503
    before = outage.gateway.errorLog.read_text().count("Redis unavailable")
    offset = outage.gateway.logOffset()

    outage.redisServer.stop()
    try:
        closed = [outageClient.post("/api/admin/auth/login", json={}) for _ in range(20)]
        for response in closed:
            assert response.status_code == 503
            assert response.headers.get_list("Retry-After") == ["1"]
            assert response.headers.get_list("Cache-Control") == ["no-store"]
            body = response.json()
            assert body["error"]["code"] == "service_unavailable"
            assert body["error"]["details"] == [{"retryAfter": 1, "routeGroup": "admin-login"}]
            assert body["error"]["requestId"] == response.headers["X-Request-ID"]
        closedOthers = [outageClient.post(path, json={}).status_code
                        for path in ("/api/auth/register", "/api/auth/password/forgot")]
        assert closedOthers == [503, 503]
        opened = [outageClient.get("/api/payment/payments") for _ in range(20)]
        assert all(response.status_code not in (429, 503) for response in opened)
        assert all("RateLimit" not in response.headers for response in opened)
        entries = outage.gateway.entriesSince(offset, "/api/payment/", 20)
        assert len(entries) == 20
        assert all(entry["upstream"] for entry in entries)
        refused = outage.gateway.entriesSince(offset, "/api/admin/", 20)
        assert len(refused) == 20
        assert all(not entry["upstream"] for entry in refused)
        # Logged once per interval, not per request.
        failures = outage.gateway.errorLog.read_text().count("Redis unavailable") - before
        assert failures == 1
    finally:
        outage.redisServer.start()

    # Redis back: limiting resumes within a couple of seconds, without reloading nginx.
    deadline = time.monotonic() + 5
    while True:
        response = outageClient.post("/api/admin/auth/login", json={})
        if response.status_code != 503:
            break
        assert time.monotonic() < deadline, "limiting did not resume"
        time.sleep(0.1)
    assert response.headers["RateLimit"].startswith('"admin-login";r=9;')
    statuses = [outageClient.post("/api/admin/auth/login", json={}).status_code for _ in range(10)]
    assert statuses[-1] == 429
    assert all(status != 429 for status in statuses[:-1])


# The outage line names the groups that fail closed under the rules in force, not the defaults' list: here an admin
# opened the user login and closed the payment pages. A stack of its own, as the line is written once per 10 s.
def test_outageLogNamesTheGroupsThatFailClosed(tmp_path: Path) -> None:
    stack = OutageStack(tmp_path)
    stack.redisServer.start()
    stack.gateway.start()
    try:
        client = stack.redisClient()
        with httpx2.Client(base_url=stack.gateway.url, timeout=5) as http:
            RuleSetter(client, http).set(rule("auth-login", 10, failMode="open"),
                                         rule("payment", 100, scope="user", failMode="closed"))
            client.close()
            stack.redisServer.stop()
            assert http.get("/api/payment/payments").status_code == 503
            assert http.post("/api/auth/login", json={}).status_code != 503
        lines = [line for line in stack.gateway.errorLog.read_text().splitlines() if "Redis unavailable" in line]
        assert len(lines) == 1
        assert "failing closed for admin-login, auth-register, password-reset, payment, open for the rest" in lines[0]
    finally:
        stack.gateway.stop()
        stack.redisServer.stop()
        shutil.rmtree(stack.gateway.runDir, ignore_errors=True)
