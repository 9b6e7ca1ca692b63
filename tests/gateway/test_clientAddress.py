from __future__ import annotations

import shutil
import uuid

import httpx2
import pytest
import redis
from sqlalchemy import text

from shared.backend.database.engine import Database
from tests.gateway.conftest import GATEWAY_REDIS_DB, backendAddresses
from tests.gateway.gatewayProcess import GatewayInstance, RuleSetter, rule, runDirectory
from tests.gateway.test_rateLimit import freshIp


# Behind a trusted proxy (the limiter gateway trusts 127.0.0.1), the client's address is what the backends
# record and what the access log names, not the proxy's.
async def test_clientBehindTrustedProxyIsRecordedAsTheClient(
        gatewayClient: httpx2.Client, limiterGateway: GatewayInstance, database: Database) -> None:
    address, client = f"xff-{uuid.uuid4().hex[:12]}@example.com", freshIp()
    offset = limiterGateway.logOffset()
    response = gatewayClient.post("/api/auth/register", headers={"X-Forwarded-For": f"192.0.2.9, {client}"},
                                  json={"email": address, "password": f"Pw-{uuid.uuid4().hex}"})
    assert response.status_code == 202, response.text
    async with database.engine.connect() as connection:
        ips = (await connection.execute(text(
            "SELECT a.ip FROM audit_logs a JOIN users u ON a.target_id = u.id::text "
            "WHERE u.email = :email AND a.action = 'auth.register'"), {"email": address})).scalars().all()
    assert ips == [client]
    entry = limiterGateway.entriesSince(offset, "/api/auth/register", 1)[0]
    assert (entry["client_ip"], entry["remote_addr"]) == (client, "127.0.0.1")


def test_backendRedirectKeepsTheGatewayPort(gatewayClient: httpx2.Client, limiterGateway: GatewayInstance) -> None:
    response = gatewayClient.get("/api/auth/me/", headers={"X-Forwarded-For": freshIp()})
    assert response.status_code == 307
    assert response.headers["location"] == f"{limiterGateway.url}/api/auth/me"


# Behind a load balancer that terminates TLS (a trusted proxy: the limiter gateway trusts 127.0.0.1) the backends
# build their redirects with the scheme it reports; anything but http/https is not taken.
@pytest.mark.parametrize(("proto", "scheme"), [("https", "https"), ("http", "http"), ("ftp", "http"),
                                                ("https, http", "http")])
def test_trustedProxysForwardedProtoReachesTheBackends(
        gatewayClient: httpx2.Client, limiterGateway: GatewayInstance, proto: str, scheme: str) -> None:
    response = gatewayClient.get("/api/auth/me/", headers={"X-Forwarded-For": freshIp(), "X-Forwarded-Proto": proto})
    assert response.status_code == 307
    assert response.headers["location"] == f"{scheme}://127.0.0.1:{limiterGateway.port}/api/auth/me"


# The gateway's own redirects (the root to the sign-in page, a frontend without its slash) are relative, so they stay on
# the origin the client used: absolute, they named http:// and the gateway's own port, which behind a load balancer
# that terminates TLS is neither the client's scheme nor a port it can reach.
@pytest.mark.parametrize(("path", "target"), [("/", "/auth/"), ("/admin", "/admin/")])
def test_gatewaysOwnRedirectsStayOnTheClientsOrigin(gatewayClient: httpx2.Client, path: str, target: str) -> None:
    response = gatewayClient.get(path, headers={"Host": "kservices.example", "X-Forwarded-Proto": "https",
                                                "X-Forwarded-For": freshIp()})
    assert response.status_code in (301, 302)
    assert response.headers["location"] == target


# From a peer that is no trusted proxy the header is replaced by the connection's own scheme.
def test_untrustedPeersForwardedProtoIsReplaced(testRedisPort: int) -> None:
    gateway = GatewayInstance(runDirectory("untrustedProto"), testRedisPort, GATEWAY_REDIS_DB, *backendAddresses(),
                              trustedProxies="")
    gateway.start()
    try:
        response = httpx2.get(f"{gateway.url}/api/auth/me/", headers={"X-Forwarded-Proto": "https"}, timeout=5)
        assert response.status_code == 307
        assert response.headers["location"] == f"{gateway.url}/api/auth/me"
    finally:
        gateway.stop()
        shutil.rmtree(gateway.runDir, ignore_errors=True)



def freshIpv6Prefix() -> str:
    value = uuid.uuid4().int
    return f"2001:db8:{value & 0xFFFF:x}:{(value >> 16) & 0xFFFF:x}"


def limitedRule(rules: RuleSetter) -> None:
    rules.set(rule("auth-login", 2, failMode="closed"))


def logins(client: httpx2.Client, *forwarded: str) -> list[int]:
    return [client.post("/api/auth/login", json={}, headers={"X-Forwarded-For": hop}).status_code
            for hop in forwarded]


# A load balancer that appends ip:port must not give every source port a fresh quota: the port is dropped.
def test_ipv4HopWithAPortCountsAsItsAddress(
        rules: RuleSetter, gatewayClient: httpx2.Client, cleanRules: redis.Redis) -> None:
    limitedRule(rules)
    client = freshIp()
    statuses = logins(gatewayClient, f"{client}:5555", f"{client}:5556", f"{client}:5557", client)
    assert [status == 429 for status in statuses] == [False, False, True, True]
    assert {key.split(":")[2] for key in cleanRules.keys("rate_limit:ip:*:auth-login:*")} == {client}


# An IPv6 client, bracketed with a port or not and in any spelling, is counted by its /64 and recorded by its
# full canonical address.
def test_ipv6HopIsParsedAndCountedByItsSlash64(
        rules: RuleSetter, gatewayClient: httpx2.Client, cleanRules: redis.Redis,
        limiterGateway: GatewayInstance) -> None:
    limitedRule(rules)
    prefix = freshIpv6Prefix()
    offset = limiterGateway.logOffset()
    statuses = logins(gatewayClient, f"[{prefix}:0:0:0:1]:443", f"{prefix.upper()}:ffff::2", f"[{prefix}::3]")
    assert [status == 429 for status in statuses] == [False, False, True]
    assert cleanRules.keys(f"rate_limit:ip:{prefix}::/64:auth-login:*")
    entries = limiterGateway.entriesSince(offset, "/api/auth/login", 3)
    assert [entry["client_ip"] for entry in entries] == [f"{prefix}::1", f"{prefix}:ffff::2", f"{prefix}::3"]
    # Another /64 has its own quota.
    assert logins(gatewayClient, f"{freshIpv6Prefix()}::1") != [429]


@pytest.mark.parametrize(("hop", "client"), [
    ("192.0.2.1:80", "192.0.2.1"), ("[2001:DB8::A]:8080", "2001:db8::a"), ("fe80:0:0:0:0:0:0:1", "fe80::1"),
    ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"), ("1:0:2:0:0:3:0:0", "1:0:2::3:0:0"),
    ("2001:db8::192.0.2.1", "2001:db8::c000:201"), ("::ffff:192.0.2.9", "192.0.2.9"),
    ("[::ffff:c000:20a]:1", "192.0.2.10"),
])
def test_hopIsRecordedInItsCanonicalForm(
        gatewayClient: httpx2.Client, limiterGateway: GatewayInstance, hop: str, client: str) -> None:
    offset = limiterGateway.logOffset()
    gatewayClient.get("/api/auth/me", headers={"X-Forwarded-For": hop})
    assert limiterGateway.entriesSince(offset, "/api/auth/me", 1)[0]["client_ip"] == client


# Anything that is not an address is not taken as the client: the trusted peer is, as for a missing header.
@pytest.mark.parametrize("hop", ["cafe", "::", "0.0.0.0", "1.2.3", "01.2.3.4", "1.2.3.4:99999",  # noqa: S104
                                 "[1.2.3.4]:80", "1.2.3.4:", "2001:db8::1%eth0", "2001:db8::1::2", "[2001:db8::1]:x",
                                 "1:2:3:4:5:6:7:8:9", "::1.2.3", "unknown"])
def test_hopThatIsNoAddressFallsBackToThePeer(
        gatewayClient: httpx2.Client, limiterGateway: GatewayInstance, hop: str) -> None:
    offset = limiterGateway.logOffset()
    gatewayClient.get("/api/auth/me", headers={"X-Forwarded-For": hop})
    entry = limiterGateway.entriesSince(offset, "/api/auth/me", 1)[0]
    assert entry["client_ip"] == "127.0.0.1"


def test_trustedProxiesMatchInAnySpelling(testRedisPort: int) -> None:
    public, admin = backendAddresses()
    gateway = GatewayInstance(runDirectory("v6proxy"), testRedisPort, GATEWAY_REDIS_DB, public, admin,
                              trustedProxies="127.0.0.1, 2001:DB8:0:0::7")
    gateway.start()
    try:
        with httpx2.Client(base_url=gateway.url, timeout=5) as client:
            offset = gateway.logOffset()
            client.get("/api/auth/me", headers={"X-Forwarded-For": "192.0.2.7, [2001:db8::7]:80"})
            assert gateway.entriesSince(offset, "/api/auth/me", 1)[0]["client_ip"] == "192.0.2.7"
    finally:
        gateway.stop()
        shutil.rmtree(gateway.runDir, ignore_errors=True)
