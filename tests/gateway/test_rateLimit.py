from __future__ import annotations

import base64
import itertools
import json
import re
import time
import uuid

import httpx2
import pytest
import redis

from tests.gateway.gatewayProcess import GatewayInstance, RuleSetter, fakeToken, rule

addressCounter = itertools.count(1)


def freshIp() -> str:
    value = next(addressCounter) + (uuid.uuid4().int % 50_000) * 64
    return f"10.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}"


# A session key as a login writes it (shared/backend/security/sessionStore.py), listing its token's jti.
def createSession(redisClient: redis.Redis, userId: str | None = None) -> tuple[str, str]:
    userId = userId or str(uuid.uuid4())
    sessionId, tokenId, expiresAt = str(uuid.uuid4()), uuid.uuid4().hex, int(time.time()) + 900
    redisClient.hset(f"kauth:session:{sessionId}", mapping={"userId": userId, "roles": "user",
                                                            "expiresAt": str(expiresAt),
                                                            "jtis": f"{tokenId}:{expiresAt}"})
    redisClient.expire(f"kauth:session:{sessionId}", 900)
    return userId, fakeToken(userId, sessionId, tokenId)


def asClient(ip: str, token: str | None = None) -> dict[str, str]:
    headers = {"X-Forwarded-For": ip}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def test_overLimitGets429WithHeadersAndEnvelopeAndNeverReachesBackend(
        rules: RuleSetter, gatewayClient: httpx2.Client, limiterGateway: GatewayInstance) -> None:
    rules.set(rule("auth-login", 3, windowSeconds=60, failMode="closed"))
    headers = asClient(freshIp())
    offset = limiterGateway.logOffset()
    allowed = [gatewayClient.post("/api/auth/login", json={}, headers=headers) for _ in range(3)]
    for index, response in enumerate(allowed):
        assert response.status_code != 429
        assert response.headers["RateLimit-Policy"] == '"auth-login";q=3;w=60'
        assert re.fullmatch(rf'"auth-login";r={2 - index};t=\d+', response.headers["RateLimit"])

    requestId = "test-request-" + uuid.uuid4().hex[:12]
    limited = gatewayClient.post("/api/auth/login", json={}, headers={**headers, "X-Request-ID": requestId})
    assert limited.status_code == 429
    retryAfter = int(limited.headers["Retry-After"])
    assert 1 <= retryAfter <= 120
    assert limited.headers["RateLimit-Policy"] == '"auth-login";q=3;w=60'
    assert limited.headers["RateLimit"] == f'"auth-login";r=0;t={retryAfter}'
    assert limited.headers["X-Request-ID"] == requestId
    assert limited.headers["Content-Type"].startswith("application/json")
    assert limited.headers["X-Content-Type-Options"] == "nosniff"
    body = limited.json()
    assert body["error"]["code"] == "rate_limited"
    assert body["error"]["requestId"] == requestId
    assert body["error"]["message"]
    assert body["error"]["details"] == [{"retryAfter": retryAfter, "routeGroup": "auth-login"}]

    # The flood that follows is answered from the local cache, still with full headers.
    flood = [gatewayClient.post("/api/auth/login", json={}, headers=headers) for _ in range(10)]
    assert all(response.status_code == 429 for response in flood)
    assert all(response.headers["RateLimit"].startswith('"auth-login";r=0;t=') for response in flood)

    entries = limiterGateway.entriesSince(offset, "/api/auth/login", 14)
    assert len(entries) == 14
    proxied = [entry for entry in entries if entry["upstream"]]
    assert len(proxied) == 3
    assert all(entry["status"] == 429 for entry in entries if not entry["upstream"])


def test_perUserLimitFollowsTheUserAcrossAddresses(
        rules: RuleSetter, gatewayClient: httpx2.Client, cleanRules: redis.Redis) -> None:
    rules.set(rule("payment", 3, scope="user"))
    _, token = createSession(cleanRules)
    statuses = [gatewayClient.get("/api/payment/payments", headers=asClient(freshIp(), token)).status_code
                for _ in range(4)]
    assert [status == 429 for status in statuses] == [False, False, False, True]
    # Anonymous callers from a fresh address are not affected by the user's exhausted quota.
    anonymous = gatewayClient.get("/api/payment/payments", headers=asClient(freshIp()))
    assert anonymous.status_code != 429
    assert anonymous.headers["RateLimit"].startswith('"payment";r=2;')


def test_anonymousCallersAreLimitedPerAddress(
        rules: RuleSetter, gatewayClient: httpx2.Client, cleanRules: redis.Redis) -> None:
    rules.set(rule("payment", 2, scope="user"))
    first, second = freshIp(), freshIp()
    assert [gatewayClient.get("/api/payment/x", headers=asClient(first)).status_code == 429
            for _ in range(3)] == [False, False, True]
    # A token whose session does not exist in Redis does not make a user: still the address.
    forged = fakeToken(str(uuid.uuid4()), str(uuid.uuid4()))
    assert gatewayClient.get("/api/payment/x", headers=asClient(first, forged)).status_code == 429
    assert gatewayClient.get("/api/payment/x", headers=asClient(second)).status_code != 429


def test_twoUsersBehindOneAddressDoNotShareALimit(
        rules: RuleSetter, gatewayClient: httpx2.Client, cleanRules: redis.Redis) -> None:
    rules.set(rule("payment", 3, scope="user"))
    sharedIp = freshIp()
    _, alice = createSession(cleanRules)
    _, bob = createSession(cleanRules)
    aliceStatuses = [gatewayClient.get("/api/payment/payments", headers=asClient(sharedIp, alice)).status_code
                     for _ in range(4)]
    assert aliceStatuses[3] == 429
    assert all(status != 429 for status in aliceStatuses[:3])
    bobStatuses = [gatewayClient.get("/api/payment/payments", headers=asClient(sharedIp, bob)).status_code
                   for _ in range(3)]
    assert all(status != 429 for status in bobStatuses)


def test_revokedSessionFallsBackToTheAddress(
        rules: RuleSetter, gatewayClient: httpx2.Client, cleanRules: redis.Redis) -> None:
    rules.set(rule("auth", 2, scope="user"))
    ip = freshIp()
    userId, token = createSession(cleanRules)
    for _ in range(2):
        assert gatewayClient.get("/api/auth/me", headers=asClient(ip, token)).status_code != 429
    assert cleanRules.keys(f"rate_limit:user:{userId}:auth:*")
    cleanRules.delete(*cleanRules.keys("kauth:session:*"))
    response = gatewayClient.get("/api/auth/me", headers=asClient(ip, token))
    assert response.headers["RateLimit"].startswith('"auth";r=1;')
    assert cleanRules.keys(f"rate_limit:ip:{ip}:auth:*")


def test_burstAcrossAWindowBoundaryCannotPassTwiceTheLimit(
        rules: RuleSetter, gatewayClient: httpx2.Client) -> None:
    limit, window = 5, 2
    rules.set(rule("auth-register", limit, windowSeconds=window, failMode="closed"))
    headers = asClient(freshIp())
    # Start the first burst 0.3 s before a window boundary, the second right after it.
    now = time.time()
    boundary = (int(now // window) + 1) * window
    if boundary - now < 0.5:
        boundary += window
    time.sleep(boundary - now - 0.3)
    first = [gatewayClient.post("/api/auth/register", json={}, headers=headers).status_code for _ in range(limit)]
    time.sleep(max(0.0, boundary + 0.05 - time.time()))
    second = [gatewayClient.post("/api/auth/register", json={}, headers=headers).status_code
              for _ in range(limit)]
    passed = sum(status != 429 for status in first + second)
    assert all(status != 429 for status in first)
    # A fixed window would let 2 * limit through here; the sliding estimate allows at most one more.
    assert passed <= limit + 1
    # After a full window the caller gets the quota back.
    time.sleep(window * 2)
    assert gatewayClient.post("/api/auth/register", json={}, headers=headers).status_code != 429


def test_ruleChangeTakesEffectWithinTwoSeconds(
        rules: RuleSetter, gatewayClient: httpx2.Client, cleanRules: redis.Redis) -> None:
    rules.set(rule("auth", 50, scope="user"))
    ip = freshIp()
    response = gatewayClient.get("/api/auth/me", headers=asClient(ip))
    assert response.headers["RateLimit-Policy"] == '"auth";q=50;w=60'

    elapsed = rules.set(rule("auth", 2, windowSeconds=30, scope="user"))
    assert elapsed < 2.0
    fresh = asClient(freshIp())
    statuses = [gatewayClient.get("/api/auth/me", headers=fresh).status_code for _ in range(3)]
    assert [status == 429 for status in statuses] == [False, False, True]
    assert gatewayClient.get("/api/auth/me", headers=fresh).headers["RateLimit-Policy"] == '"auth";q=2;w=30'

    # Raising the limit releases a blocked caller at once (the local block cache is per rule).
    rules.set(rule("auth", 5, windowSeconds=30, scope="user"))
    raised = gatewayClient.get("/api/auth/me", headers=fresh)
    assert raised.status_code != 429
    assert raised.headers["RateLimit"].startswith('"auth";r=2;')

    # Disabling the rule lifts the limit and its headers.
    rules.set(rule("auth", 5, windowSeconds=30, scope="user", enabled=False))
    released = gatewayClient.get("/api/auth/me", headers=fresh)
    assert released.status_code != 429
    assert "RateLimit" not in released.headers

    # An invalid document keeps the last good rules (here auth on at 5 per 30 s) instead of dropping limiting
    # or falling back to the defaults.
    rules.set(rule("auth", 5, windowSeconds=30, scope="user"))
    assert gatewayClient.get("/api/auth/me", headers=fresh).headers["RateLimit-Policy"] == '"auth";q=5;w=30'
    cleanRules.set("ksysadmin:settings:rate-limits", json.dumps({"version": "x", "rules": "nope"}))
    time.sleep(1.5)
    assert gatewayClient.get("/api/auth/me", headers=fresh).headers["RateLimit-Policy"] == '"auth";q=5;w=30'


# A JSON object where the rules list belongs (or a list holding a non-object) is refused like any invalid
# document: the last good rules stay rather than the defaults. Each change reaches the error log, once.
def test_rulesThatAreNoListOfObjectsAreRefusedAndEveryChangeIsLogged(
        rules: RuleSetter, gatewayClient: httpx2.Client, cleanRules: redis.Redis,
        limiterGateway: GatewayInstance) -> None:
    rules.set(rule("auth", 5, windowSeconds=30, scope="user"))
    loaded = f"rate limit: rules version {rules.version} loaded from ksysadmin:settings:rate-limits"
    assert limiterGateway.errorLog.read_text().count(loaded) == 1
    fresh = asClient(freshIp())
    assert gatewayClient.get("/api/auth/me", headers=fresh).headers["RateLimit-Policy"] == '"auth";q=5;w=30'
    refused = [
        ({"version": 9001, "rules": rule("auth", 50, scope="user")}, "rules is not a list"),
        ({"version": 9002, "rules": [rule("auth", 50, scope="user"), "auth"]}, "rules[2] is not an object"),
        ({"version": 9003, "rules": {"1": rule("auth", 50, scope="user")}}, "rules is not a list"),
    ]
    for document, problem in refused:
        cleanRules.set("ksysadmin:settings:rate-limits", json.dumps(document))
        time.sleep(1.5)
        assert gatewayClient.get("/api/auth/me", headers=fresh).headers["RateLimit-Policy"] == '"auth";q=5;w=30'
        line = (f"rate limit: refused ksysadmin:settings:rate-limits version {document['version']} ({problem}), "
                "keeping the current rules")
        assert limiterGateway.errorLog.read_text().count(line) == 1, line
    assert limiterGateway.errorLog.read_text().count(loaded) == 1


def test_routeGroupsAreClassifiedFromMethodAndPath(rules: RuleSetter, gatewayClient: httpx2.Client) -> None:
    rules.set()
    ip = asClient(freshIp())
    cases = [
        ("POST", "/api/auth/login", "auth-login"),
        ("GET", "/api/auth/login", "auth"),
        ("POST", "/api/auth/register", "auth-register"),
        ("POST", "/api/auth/verify-email/resend", "auth-register"),
        ("GET", "/api/auth/verify-email/resend", "auth"),
        ("POST", "/api/auth/password/forgot", "password-reset"),
        ("POST", "/api/auth/password/reset", "password-reset"),
        ("GET", "/api/auth/me", "auth"),
        ("GET", "/api/auth/me/export", "auth-export"),
        ("GET", "/api/auth/me/export/", "auth-export"),
        ("HEAD", "/api/auth/me/export", "auth-export"),
        ("POST", "/api/auth/me/export", "auth"),
        ("GET", "/api/auth/me/export/x", "auth"),
        ("GET", "/api/auth/", "auth"),
        ("POST", "/api/auth/login/", "auth-login"),
        ("POST", "/api/payment/payments", "payment-create"),
        ("GET", "/api/payment/payments", "payment"),
        ("POST", "/api/payment/snap/v1.0/access-token/b2b", "payment-callback"),
        ("POST", "/api/payment/snapshots", "payment"),
        ("GET", "/api/admin/users", "admin"),
        ("GET", "/api/admin/", "admin"),
        ("GET", "/api/payment/", "payment"),
        ("POST", "/api/admin/auth/login", "admin-login"),
        ("GET", "/health/public", "default"),
        ("GET", "/health/admin", "default"),
    ]
    for method, path, group in cases:
        response = gatewayClient.request(method, path, headers=ip, json={} if method == "POST" else None)
        assert "RateLimit-Policy" in response.headers, (method, path)
        assert response.headers["RateLimit-Policy"].startswith(f'"{group}";'), (method, path)


# The data export is limited apart from the other auth routes, by its built-in default (5 per hour per user; only
# `auth` is published here): the 6th export in the window, with or without the trailing slash, is refused before the
# backend while the user's other auth requests still pass, and another user's export is not affected.
def test_theDataExportHasATightLimitOfItsOwn(
        rules: RuleSetter, gatewayClient: httpx2.Client, cleanRules: redis.Redis,
        limiterGateway: GatewayInstance) -> None:
    rules.set(rule("auth", 120, scope="user"))
    _, token = createSession(cleanRules)
    offset = limiterGateway.logOffset()
    exports = [gatewayClient.get(path, headers=asClient(freshIp(), token))
               for path in ["/api/auth/me/export", "/api/auth/me/export/"] * 3]
    assert [response.status_code == 429 for response in exports] == [False] * 5 + [True]
    assert all(response.headers["RateLimit-Policy"] == '"auth-export";q=5;w=3600' for response in exports)
    assert exports[5].json()["error"]["details"][0]["routeGroup"] == "auth-export"
    entries = limiterGateway.entriesSince(offset, "/api/auth/me/export", 6)
    assert [bool(entry["upstream"]) for entry in entries] == [True] * 5 + [False]
    other = gatewayClient.get("/api/auth/me", headers=asClient(freshIp(), token))
    assert other.status_code != 429 and other.headers["RateLimit"].startswith('"auth";r=119;')
    _, second = createSession(cleanRules)
    assert gatewayClient.get("/api/auth/me/export", headers=asClient(freshIp(), second)).status_code != 429


# With the rules key deleted, the gateway falls back to its defaults at its next refresh (within ~1 s).
def test_defaultRulesAreRealistic(cleanRules: redis.Redis, gatewayClient: httpx2.Client) -> None:
    deadline = time.monotonic() + 10
    while True:
        response = gatewayClient.post("/api/auth/login", json={}, headers=asClient(freshIp()))
        if response.headers["RateLimit-Policy"] == '"auth-login";q=10;w=60' or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert response.headers["RateLimit-Policy"] == '"auth-login";q=10;w=60'


def tokenWith(claims: dict[str, object]) -> str:
    def encode(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{encode({'alg': 'HS256', 'typ': 'JWT'})}.{encode(claims)}.c2lnbmF0dXJl"


# An empty sub would pass the session check against any live session, an empty sid would match a stray
# "kauth:session:" key: either would put every such caller in one shared user bucket. Both count per address, as
# does an empty jti (the claims are otherwise those of a token the session lists).
@pytest.mark.parametrize("emptyClaim", ["sub", "sid", "jti"])
def test_tokenWithAnEmptySubOrSidCountsPerAddress(
        rules: RuleSetter, gatewayClient: httpx2.Client, cleanRules: redis.Redis, emptyClaim: str) -> None:
    rules.set(rule("payment", 2, scope="user"))
    _, listed = createSession(cleanRules)
    cleanRules.set("kauth:session:", "stray")
    payload = listed.split(".")[1]
    claims = {**json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))), emptyClaim: ""}
    token = tokenWith(claims)
    addresses = [freshIp() for _ in range(4)]
    statuses = [gatewayClient.get("/api/payment/x", headers=asClient(ip, token)).status_code for ip in addresses]
    assert all(status != 429 for status in statuses)
    assert not cleanRules.keys("rate_limit:user:*")
    assert all(cleanRules.keys(f"rate_limit:ip:{ip}:payment:*") for ip in addresses)


# A health call fans out to PostgreSQL, Redis and the crypto module: both endpoints count per address in the
# "default" group (the admin API's route group names have no group of their own for them).
def test_healthEndpointsAreLimitedPerAddress(rules: RuleSetter, gatewayClient: httpx2.Client) -> None:
    rules.set(rule("default", 3))
    headers = asClient(freshIp())
    responses = [gatewayClient.get(path, headers=headers) for path in ("/health/public", "/health/admin",
                                                                         "/health/public", "/health/admin")]
    assert [response.status_code for response in responses] == [200, 200, 200, 429]
    assert all(response.headers["RateLimit-Policy"] == '"default";q=3;w=60' for response in responses)
    assert responses[3].json()["error"]["details"][0]["routeGroup"] == "default"
    assert gatewayClient.get("/health/public", headers=asClient(freshIp())).status_code == 200
