from __future__ import annotations

import shutil
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx2
import pytest
import redis

from shared.backend.config.settings import Settings
from tests.gateway.gatewayProcess import GatewayInstance, RuleSetter, runDirectory, stackSetting

# The limiter suite runs its own gateway (same template, same backends) on a private Redis
# database, trusting 127.0.0.1 as a proxy so each test can pose as distinct clients through
# X-Forwarded-For. The shared test gateway is left alone, so other suites are never throttled.
GATEWAY_REDIS_DB = 11


def backendAddresses() -> tuple[str, str]:
    return (f"127.0.0.1:{stackSetting('TEST_PUBLIC_PORT', '28001')}",
            f"127.0.0.1:{stackSetting('TEST_ADMIN_PORT', '28002')}")


@pytest.fixture(scope="session")
def testRedisPort(settings: Settings) -> int:
    return urlsplit(settings.redis.url.get_secret_value()).port or 6379


@pytest.fixture(scope="session")
def limiterRedis(testRedisPort: int) -> Iterator[redis.Redis]:
    client = redis.Redis(host="127.0.0.1", port=testRedisPort, db=GATEWAY_REDIS_DB, decode_responses=True)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture(scope="session")
def limiterGateway(testRedisPort: int, limiterRedis: redis.Redis) -> Iterator[GatewayInstance]:
    public, admin = backendAddresses()
    gateway = GatewayInstance(runDirectory("limiter"), testRedisPort, GATEWAY_REDIS_DB, public, admin)
    gateway.start()
    yield gateway
    gateway.stop()
    shutil.rmtree(gateway.runDir, ignore_errors=True)


@pytest.fixture
def gatewayClient(limiterGateway: GatewayInstance) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=limiterGateway.url, timeout=5) as client:
        yield client


@pytest.fixture
def cleanRules(limiterRedis: redis.Redis) -> Iterator[redis.Redis]:
    # Each test starts with empty counters and sets the rules it needs; callers use fresh addresses
    # and user ids, so the gateway's local "blocked until" cache never carries over.
    limiterRedis.flushdb()
    yield limiterRedis
    limiterRedis.flushdb()


@pytest.fixture
def rules(cleanRules: redis.Redis, gatewayClient: httpx2.Client) -> RuleSetter:
    return RuleSetter(cleanRules, gatewayClient)
