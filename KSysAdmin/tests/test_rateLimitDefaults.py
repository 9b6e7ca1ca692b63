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
