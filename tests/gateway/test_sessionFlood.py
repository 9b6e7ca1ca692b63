from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
import redis

from tests.gateway.conftest import backendAddresses
from tests.gateway.gatewayProcess import GatewayInstance, RedisServer, RuleSetter, fakeToken, rule, runDirectory
from tests.gateway.test_rateLimit import asClient, createSession, freshIp
from tests.gateway.test_redisOutage import commandCalls

# Rotating fake sessions (a fresh sid per request) from one address. A private Redis, so that its command counts
# are the gateway's alone; the gateway trusts 127.0.0.1, so the tests pose as clients through X-Forwarded-For.
SESSION_PROBES = 20  # nginx/lua/kservices/userClaim.lua: unknown sids looked up per address and 10 s


class FloodStack:
    def __init__(self, directory: Path) -> None:
        self.redisServer = RedisServer(directory)
        self.gateways: list[GatewayInstance] = []

    def gateway(self, name: str) -> GatewayInstance:
        public, admin = backendAddresses()
        gateway = GatewayInstance(runDirectory(name), self.redisServer.port, 0, public, admin)
        self.gateways.append(gateway)
        return gateway

    def redisClient(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.redisServer.port, decode_responses=True)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FloodStack]:
    flood = FloodStack(Path(tmp_path_factory.mktemp("sessionFlood")))
    flood.redisServer.start()
    yield flood
    for gateway in flood.gateways:
        gateway.stop()
        shutil.rmtree(gateway.runDir, ignore_errors=True)
    flood.redisServer.stop()


@pytest.fixture(scope="module")
def floodGateway(stack: FloodStack) -> GatewayInstance:
    gateway = stack.gateway("sessionFlood")
    gateway.start()
    return gateway


@pytest.fixture
def floodRedis(stack: FloodStack) -> Iterator[redis.Redis]:
    client = stack.redisClient()
    client.flushall()
    yield client
    client.close()


def rotatingFakeTokens(count: int) -> list[str]:
    subject = str(uuid.uuid4())
    return [fakeToken(subject, f"j{index}-{uuid.uuid4().hex[:8]}") for index in range(count)]


def blockAddress(client: httpx2.Client, ip: str) -> None:
    statuses = [client.get("/api/payment/x", headers=asClient(ip)).status_code for _ in range(3)]
    assert [status == 429 for status in statuses] == [False, False, True]


# An address already blocked that sends a fresh fake sid with each request is not a new user each time: past a
# few lookups its tokens count as anonymous and meet its address block with no Redis call.
def test_rotatingFakeSessionsFromABlockedAddressCostBoundedRedisCalls(
        floodGateway: GatewayInstance, floodRedis: redis.Redis) -> None:
    with httpx2.Client(base_url=floodGateway.url, timeout=5) as client:
        RuleSetter(floodRedis, client).set(rule("payment", 2, scope="user"))
        ip = freshIp()
        blockAddress(client, ip)
        floodRedis.config_resetstat()
        statuses = [client.get("/api/payment/x", headers=asClient(ip, token)).status_code
                    for token in rotatingFakeTokens(300)]
    assert set(statuses) == {429}
    lookups = commandCalls(floodRedis, "evalsha") + commandCalls(floodRedis, "eval")
    # One probe window, or two should the flood straddle a window's end.
    assert lookups <= 2 * SESSION_PROBES


# That is what the user scope is for: users with a real session behind a blocked address (a NAT) keep their own
# quota, also after a fake-session flood from that address used up its lookups.
def test_realSessionsBehindABlockedAddressKeepTheirOwnQuota(
        floodGateway: GatewayInstance, floodRedis: redis.Redis) -> None:
    with httpx2.Client(base_url=floodGateway.url, timeout=5) as client:
        RuleSetter(floodRedis, client).set(rule("payment", 3, scope="user"))
        ip = freshIp()
        _, token = createSession(floodRedis)
        before = client.get("/api/payment/x", headers=asClient(ip, token))
        assert before.status_code != 429
        statuses = [client.get("/api/payment/x", headers=asClient(ip)).status_code for _ in range(4)]
        assert statuses[-1] == 429
        _, other = createSession(floodRedis)
        blockedNat = client.get("/api/payment/x", headers=asClient(ip, other))
        assert blockedNat.status_code != 429
        assert blockedNat.headers["RateLimit"].startswith('"payment";r=2;')
        for fake in rotatingFakeTokens(3 * SESSION_PROBES):
            assert client.get("/api/payment/x", headers=asClient(ip, fake)).status_code == 429
        after = client.get("/api/payment/x", headers=asClient(ip, token))
        assert after.status_code != 429
        assert after.headers["RateLimit"].startswith('"payment";r=1;')


# A gateway whose shared dicts are shrunk to a few hundred entries: sessions found missing, one per fake token
# from many addresses, fill their own dict and leave the block entries alone.
def test_missingSessionsCannotEvictBlocks(stack: FloodStack, floodRedis: redis.Redis) -> None:
    gateway = stack.gateway("smallDicts")
    gateway.render()
    luaConf = (Path(__file__).resolve().parents[2] / "nginx/conf/lua.conf").read_text()
    small = gateway.runDir / "lua.conf"
    small.write_text(re.sub(r"(lua_shared_dict \S+) \S+;", r"\1 64k;", luaConf))
    rendered = gateway.runDir / "nginx.conf"
    text = rendered.read_text()
    assert text.count("/nginx/conf/lua.conf;") == 1
    rendered.write_text(re.sub(r"include \S+/nginx/conf/lua\.conf;", f"include {small};", text))
    gateway.launch()
    with httpx2.Client(base_url=gateway.url, timeout=5) as client:
        RuleSetter(floodRedis, client).set(rule("payment", 2, scope="user"))
        blocked = freshIp()
        blockAddress(client, blocked)
        for token in rotatingFakeTokens(1500):
            client.get("/api/payment/x", headers=asClient(freshIp(), token))
        floodRedis.config_resetstat()
        assert client.get("/api/payment/x", headers=asClient(blocked)).status_code == 429
    assert commandCalls(floodRedis, "evalsha") + commandCalls(floodRedis, "eval") == 0
