from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
import redis

from tests.gateway.conftest import backendAddresses
from tests.gateway.gatewayProcess import ROOT_DIR, GatewayInstance, RedisServer, runDirectory

# A private Redis that requires AUTH: its default user has a password, and an ACL user has its own.
PASSWORD = "default Secret:42 %&'\""
USER, USER_PASSWORD = "limiter", "acl-Secret-7"


@pytest.fixture(scope="module")
def authRedis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(Path(tmp_path_factory.mktemp("redis-auth")), "--requirepass", PASSWORD,
                         "--user", USER, "on", f">{USER_PASSWORD}", "~*", "&*", "+@all")
    server.start()
    yield server
    server.stop()


def startGateway(server: RedisServer, name: str, environment: dict[str, str]) -> GatewayInstance:
    public, admin = backendAddresses()
    gateway = GatewayInstance(runDirectory(name), server.port, 0, public, admin, trustedProxies="",
                              environment=environment)
    gateway.start()
    return gateway


@pytest.fixture
def gatewayFor(authRedis: RedisServer) -> Iterator[object]:
    started: list[GatewayInstance] = []

    def start(name: str, environment: dict[str, str]) -> GatewayInstance:
        started.append(startGateway(authRedis, name, environment))
        return started[-1]

    yield start
    for gateway in started:
        gateway.stop()
        shutil.rmtree(gateway.runDir, ignore_errors=True)


def adminLogins(gateway: GatewayInstance, count: int) -> list[httpx2.Response]:
    with httpx2.Client(base_url=gateway.url, timeout=5) as client:
        return [client.post("/api/admin/auth/login", json={}) for _ in range(count)]


@pytest.mark.parametrize("environment", [
    {"GATEWAY_REDIS_PASSWORD": PASSWORD},
    {"GATEWAY_REDIS_USERNAME": USER, "GATEWAY_REDIS_PASSWORD": USER_PASSWORD},
], ids=["password", "acl-user"])
def test_limiterAuthenticatesToRedis(authRedis: RedisServer, gatewayFor: object, environment: dict[str, str]) -> None:
    gateway = gatewayFor("redis-auth", environment)  # type: ignore[operator]
    responses = adminLogins(gateway, 11)
    # The default admin-login rule, 10 per window per address, counted in Redis.
    assert responses[0].headers["RateLimit"].startswith('"admin-login";r=9;')
    assert [response.status_code for response in responses][-1] == 429
    assert all(response.status_code not in (429, 503) for response in responses[:10])
    client = redis.Redis(port=authRedis.port, password=PASSWORD)
    assert any(b"admin-login" in key for key in client.keys("*"))
    client.flushall()
    client.close()
    # The password reaches nginx through its environment, never through the rendered file.
    assert environment["GATEWAY_REDIS_PASSWORD"] not in (gateway.runDir / "nginx.conf").read_text()


@pytest.mark.parametrize("environment", [{"GATEWAY_REDIS_PASSWORD": "not-the-password"}, {}],
                         ids=["wrong-password", "no-password"])
def test_refusedAuthFailsClosedLikeAnOutage(gatewayFor: object, environment: dict[str, str]) -> None:
    gateway = gatewayFor("redis-noauth", environment)  # type: ignore[operator]
    for response in adminLogins(gateway, 3):
        assert response.status_code == 503
        assert response.json()["error"]["details"] == [{"retryAfter": 1, "routeGroup": "admin-login"}]
    log = gateway.errorLog.read_text()
    assert "Redis unavailable" in log and ("WRONGPASS" in log or "NOAUTH" in log)
    sent = environment.get("GATEWAY_REDIS_PASSWORD")
    assert sent is None or sent not in log


# Runs a snippet of scripts/lib/gateway.sh's functions with the URL as $1.
def gatewayLib(snippet: str, url: str) -> subprocess.CompletedProcess[str]:
    script = (f'source "{ROOT_DIR}/scripts/lib/common.sh"; source "{ROOT_DIR}/scripts/lib/envFile.sh"; '
              f'source "{ROOT_DIR}/scripts/lib/gateway.sh"; {snippet}')
    return subprocess.run(["bash", "-c", script, "gatewayLib", url], capture_output=True, text=True, timeout=10,
                          check=False)


def redisAuthOf(url: str) -> subprocess.CompletedProcess[str]:
    return gatewayLib('gatewayRedisAuth "$1" && printf "%s\\n%s\\n%s" "$GATEWAY_REDIS_USERNAME" '
                      '"$GATEWAY_REDIS_PASSWORD" "$(hostPort "$1")"', url)


@pytest.mark.parametrize(("url", "expected"), [
    ("redis://127.0.0.1:6379/0", ["", "", "127.0.0.1:6379"]),
    ("redis://:s3cret@redis:6379/0", ["", "s3cret", "redis:6379"]),
    # Percent-decoded as redis-py reads the URL; "+" and backslashes stay as they are.
    ("redis://gw:p%40ss%25w%3Ad\\x+y@10.0.0.5:6380/2", ["gw", "p@ss%w:d\\x+y", "10.0.0.5:6380"]),
    # A lone or malformed % is kept; an unencoded @ ends the credentials at the last one.
    ("redis://:50%off%41%4g%@h:6379/0", ["", "50%offA%4g%", "h:6379"]),
    ("redis://:p@ss@h:6379/0", ["", "p@ss", "h:6379"]),
    ("redis://h:6380?socket_timeout=2", ["", "", "h:6380"]),
])
def test_runShReadsRedisCredentialsAsRedisPyDoes(url: str, expected: list[str]) -> None:
    result = redisAuthOf(url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n") == expected
    parsed = redis.Redis.from_url(url).connection_pool.connection_kwargs
    assert [parsed.get("username") or "", parsed.get("password") or "", f"{parsed['host']}:{parsed['port']}"] \
        == expected


def test_runShRefusesAUserWithoutAPassword() -> None:
    result = redisAuthOf("redis://limiter@127.0.0.1:6379/0")
    assert result.returncode != 0 and "without a password" in result.stderr


@pytest.mark.parametrize(("url", "database"), [
    ("redis://127.0.0.1:6379/2", "2"), ("redis://127.0.0.1:6379", "0"), ("redis://:p@h:6379/0?socket_timeout=2", "0"),
])
def test_runShGivesTheGatewayTheBackendsDatabase(url: str, database: str) -> None:
    result = gatewayLib('gatewayRedisDb "$1" && printf "%s" "$GATEWAY_REDIS_DB"', url)
    assert (result.returncode, result.stdout) == (0, database), result.stderr
    assert str(redis.Redis.from_url(url).connection_pool.connection_kwargs.get("db", 0)) == database


@pytest.mark.parametrize("url", ["redis://h:6379/?db=3", "redis://h:6379?db=3", "redis://h:6379/zero"])
def test_runShRefusesADatabaseItCannotPassOn(url: str) -> None:
    result = gatewayLib('gatewayRedisDb "$1"', url)
    assert result.returncode != 0 and "REDIS_URL" in result.stderr
