from __future__ import annotations

import json

import asyncpg
import pytest

from KSysAdmin.tests.adminSupport import AdminWorld
from KSysAdmin.tests.migrationSupport import alembicConfig, connectTo, runAlembic, scratchDatabase
from shared.backend.config.settings import Settings

LIMITS_KEY = "ksysadmin:settings:rate-limits"
EXPORT_RULE = {"routeGroup": "auth-export", "scope": "user", "limit": 3, "windowSeconds": 3600, "failMode": "open",
               "enabled": True}
INSERT_RULE = ("INSERT INTO rate_limit_rules (id, route_group, scope, \"limit\", window_seconds, fail_mode) "
               "VALUES (gen_random_uuid(), $1, 'user', 5, 3600, 'open')")


# The data export's group (GET /api/auth/me/export in the gateway) takes a rule like any other: stored, published,
# answered back with its built-in default. A group the gateway does not know is still refused, nothing stored.
async def test_anAuthExportRuleIsStoredAndPublished(world: AdminWorld) -> None:
    _, headers = await world.adminToken(superadmin=True)
    current = await world.client.get("/api/admin/settings/rate-limits", headers=headers)
    assert current.status_code == 200, current.text
    version = current.json()["version"]
    assert {**EXPORT_RULE, "limit": 5} in current.json()["defaults"]
    misspelled = {**EXPORT_RULE, "routeGroup": "auth-exports"}
    unknown = await world.client.put("/api/admin/settings/rate-limits", headers=headers,
                                     json={"version": version, "rules": [misspelled]})
    assert unknown.status_code == 422, unknown.text
    assert [detail["field"] for detail in unknown.json()["error"]["details"]] == ["rules.0.routeGroup"]
    saved = await world.client.put("/api/admin/settings/rate-limits", headers=headers,
                                   json={"version": version, "rules": [EXPORT_RULE]})
    assert saved.status_code == 200, saved.text
    assert json.loads(await world.redis.get(LIMITS_KEY)) == {"version": version + 1, "rules": [EXPORT_RULE]}
    stored = await world.client.get("/api/admin/settings/rate-limits", headers=headers)
    assert stored.json()["version"] == version + 1 and stored.json()["rules"] == [EXPORT_RULE]


# Migration 0015 lets a rule name auth-export; its downgrade drops such rules (the export counts in auth again) and
# refuses the group.
async def test_migration0015AllowsTheAuthExportGroup(settings: Settings) -> None:
    async with scratchDatabase(settings.database.url.get_secret_value()) as url:
        config = alembicConfig(url)
        await runAlembic(config, "upgrade", "0014")
        connection = await connectTo(url)
        try:
            with pytest.raises(asyncpg.CheckViolationError):
                await connection.execute(INSERT_RULE, "auth-export")
            await runAlembic(config, "upgrade", "0015")
            await connection.execute(INSERT_RULE, "auth-export")
            await connection.execute(INSERT_RULE, "auth")
            await runAlembic(config, "downgrade", "0014")
            groups = await connection.fetch("SELECT route_group FROM rate_limit_rules")
            assert [row["route_group"] for row in groups] == ["auth"]
            with pytest.raises(asyncpg.CheckViolationError):
                await connection.execute(INSERT_RULE, "auth-export")
        finally:
            await connection.close()
