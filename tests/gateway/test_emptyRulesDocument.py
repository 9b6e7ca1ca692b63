from __future__ import annotations

import json
import time

import httpx2
import redis

from tests.gateway.gatewayProcess import RULES_KEY, GatewayInstance, RuleSetter, rule
from tests.gateway.test_rateLimit import asClient, freshIp


def refusedLine(version: int) -> str:
    return f"rate limit: refused {RULES_KEY} version {version} (rules is not a list), keeping the current rules"


# lua-cjson decodes {} and [] alike. An empty object where the rules list belongs is a malformed document: refused,
# the last good rules stay. An empty list is the admin API's "no overrides": the defaults come back.
def test_emptyObjectIsRefusedAndEmptyListRestoresTheDefaults(
        rules: RuleSetter, gatewayClient: httpx2.Client, cleanRules: redis.Redis,
        limiterGateway: GatewayInstance) -> None:
    rules.set(rule("auth", 5, windowSeconds=30, scope="user"))
    fresh = asClient(freshIp())
    assert gatewayClient.get("/api/auth/me", headers=fresh).headers["RateLimit-Policy"] == '"auth";q=5;w=30'
    for version, raw in ((9101, json.dumps({"version": 9101, "rules": {}})),
                         (9102, '{ "rules" :\n{ } , "version": 9102 }')):
        cleanRules.set(RULES_KEY, raw)
        time.sleep(1.5)
        assert gatewayClient.get("/api/auth/me", headers=fresh).headers["RateLimit-Policy"] == '"auth";q=5;w=30'
        assert limiterGateway.errorLog.read_text().count(refusedLine(version)) == 1, raw

    cleanRules.set(RULES_KEY, json.dumps({"version": 9103, "rules": []}))
    deadline = time.monotonic() + 2.5
    while gatewayClient.get("/api/auth/me", headers=fresh).headers["RateLimit-Policy"] != '"auth";q=120;w=60':
        assert time.monotonic() < deadline, "the defaults did not come back"
        time.sleep(0.05)
    assert f"rules version 9103 loaded from {RULES_KEY}" in limiterGateway.errorLog.read_text()
