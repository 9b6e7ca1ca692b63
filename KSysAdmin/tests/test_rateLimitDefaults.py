from __future__ import annotations

import json
from pathlib import Path
from typing import get_args

from KSysAdmin.backend.application.settingsInput import RouteGroupName
from KSysAdmin.backend.domain.models.rateLimitRule import RouteGroup
from KSysAdmin.tests.adminSupport import AdminWorld

ROOT_DIR = Path(__file__).resolve().parents[2]
# The file the gateway's Lua loads its built-in rules from (tests/gateway/test_rateLimitDefaultsFile.py).
DEFAULTS_FILE = ROOT_DIR / "nginx" / "lua" / "kservices" / "rateLimitDefaults.json"
LIMITS_KEY = "ksysadmin:settings:rate-limits"


def fileDefaults() -> list[dict[str, object]]:
    return json.loads(DEFAULTS_FILE.read_text())["rules"]


# GET and PUT answer the gateway's built-in rule of every route group, as the file writes it (unscaled): the console
# fills a new rule from it and warns about a rule looser than it.
async def test_rateLimitsAnswerTheGatewaysDefaults(world: AdminWorld) -> None:
    _, headers = await world.adminToken(superadmin=True)
    current = await world.client.get("/api/admin/settings/rate-limits", headers=headers)
    assert current.status_code == 200, current.text
    defaults = current.json()["defaults"]
    assert defaults == fileDefaults()
    assert {"routeGroup": "auth-register", "scope": "ip", "limit": 5, "windowSeconds": 300, "failMode": "closed",
            "enabled": True} in defaults
    body = {"version": current.json()["version"], "rules": current.json()["rules"]}
    saved = await world.client.put("/api/admin/settings/rate-limits", json=body, headers=headers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["defaults"] == defaults


# One default per route group the API accepts and the database allows: none left without one, none unknown.
def test_everyRouteGroupHasOneDefault() -> None:
    groups = [rule["routeGroup"] for rule in fileDefaults()]
    assert sorted(groups) == sorted(get_args(RouteGroupName)) == sorted(group.value for group in RouteGroup)


# The groups no signed-in user reaches (the gateway routes them before any session exists, or BRI calls them):
# named once, in the defaults file, where the gateway reads them too. Their defaults count by address.
def test_theDefaultsFileNamesTheGroupsWithoutASignedInUser() -> None:
    anonymous = json.loads(DEFAULTS_FILE.read_text())["anonymousGroups"]
    assert sorted(anonymous) == ["admin-login", "auth-login", "auth-register", "default", "password-reset",
                                 "payment-callback"]
    assert all(rule["scope"] == "ip" for rule in fileDefaults() if rule["routeGroup"] in anonymous)


# A user scope on such a group gave each session the attacker attached its own counter (N accounts, N times the
# login or registration budget): refused on the rule's scope, nothing stored or published, audited as failed.
async def test_aUserScopeOnAGroupWithoutASignedInUserIsRefused(world: AdminWorld) -> None:
    _, headers = await world.adminToken(superadmin=True)
    current = await world.client.get("/api/admin/settings/rate-limits", headers=headers)
    anonymous = json.loads(DEFAULTS_FILE.read_text())["anonymousGroups"]
    assert current.json()["anonymousGroups"] == anonymous
    version = current.json()["version"]
    before = await world.redis.get(LIMITS_KEY)
    audited = len(await world.auditEntries("settings.rate_limits_update", "rate-limits"))
    auth = {"routeGroup": "auth", "scope": "user", "limit": 120, "windowSeconds": 60, "failMode": "open",
            "enabled": True}
    for group in anonymous:
        rule = {**auth, "routeGroup": group, "limit": 300, "failMode": "closed", "enabled": False}
        response = await world.client.put("/api/admin/settings/rate-limits", headers=headers,
                                          json={"version": version, "rules": [auth, rule]})
        assert response.status_code == 422, (group, response.text)
        error = response.json()["error"]
        assert error["code"] == "validation_failed"
        [detail] = error["details"]
        assert detail["field"] == "rules.1.scope" and "scope ip" in detail["message"], detail
    after = await world.client.get("/api/admin/settings/rate-limits", headers=headers)
    assert after.json()["version"] == version and after.json()["rules"] == current.json()["rules"]
    assert await world.redis.get(LIMITS_KEY) == before
    entries = (await world.auditEntries("settings.rate_limits_update", "rate-limits"))[audited:]
    assert [(entry.outcome, entry.details) for entry in entries] == [
        ("failure", {"code": "validation_failed"})] * len(anonymous)
    ipScoped = [{**auth, "routeGroup": group, "scope": "ip", "limit": 300} for group in anonymous]
    accepted = await world.client.put("/api/admin/settings/rate-limits", headers=headers,
                                      json={"version": version, "rules": [auth, *ipScoped]})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["anonymousGroups"] == anonymous
