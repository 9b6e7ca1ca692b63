from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from KSysAdmin.tests.adminSupport import CLI_OPERATOR, CLI_OPERATOR_ENV, AdminWorld
from tests.support.processes import freePort

ROOT_DIR = Path(__file__).resolve().parents[2]
LIMITS_KEY = "ksysadmin:settings:rate-limits"
RULE = {"routeGroup": "admin-login", "scope": "ip", "limit": 1, "windowSeconds": 86_400, "failMode": "closed",
        "enabled": True}
ALLOWED = {**RULE, "limit": 5, "windowSeconds": 60}


# The test stack's configuration with the admin tests' database and Redis db (the environment wins over the
# env file).
def runCli(world: AdminWorld, overrides: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DATABASE_URL": world.settings.database.url.get_secret_value(),
                   "REDIS_URL": world.settings.redis.url.get_secret_value(), **CLI_OPERATOR_ENV, **(overrides or {})}
    command = [sys.executable, "-m", "KSysAdmin.backend.infrastructure.cli", "reset-rate-limits"]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT_DIR, env=environment, timeout=60,
                          check=False)


# A superadmin stores ALLOWED through the API: their headers and the version before it.
async def storeAllowedRule(world: AdminWorld) -> tuple[dict[str, str], int]:
    _, headers = await world.adminToken(superadmin=True)
    version = (await world.client.get("/api/admin/settings/rate-limits", headers=headers)).json()["version"]
    stored = await world.client.put("/api/admin/settings/rate-limits", json={"version": version, "rules": [ALLOWED]},
                                    headers=headers)
    assert stored.status_code == 200, stored.text
    return headers, version


# A rule that keeps the admins out (here: one admin login a day, stored before the API refused such a rule) is
# undone from the server: every stored rule goes, the gateway's defaults apply, and the empty list is published
# over whatever Redis holds, audited.
async def test_resetRateLimitsRestoresTheDefaults(world: AdminWorld) -> None:
    headers, version = await storeAllowedRule(world)
    async with world.database.engine.begin() as connection:
        await connection.execute(text('UPDATE rate_limit_rules SET "limit" = 1, window_seconds = 86400 '
                                      "WHERE route_group = 'admin-login'"))
    # A document newer than PostgreSQL's (a restored database): the reset still replaces it.
    await world.redis.set(LIMITS_KEY, json.dumps({"version": 10**6, "rules": [RULE]}))
    result = await asyncio.to_thread(runCli, world)
    assert result.returncode == 0, result.stderr
    assert "1 stored rule removed," in result.stdout
    after = (await world.client.get("/api/admin/settings/rate-limits", headers=headers)).json()
    assert (after["version"], after["rules"], after["updatedBy"]) == (version + 2, [], None)
    assert json.loads(await world.redis.get(LIMITS_KEY)) == {"version": version + 2, "rules": []}
    entry = (await world.auditEntries("cli.reset_rate_limits", "rate-limits"))[-1]
    assert (entry.outcome, entry.actorType, entry.actorId) == ("success", "system", None)
    assert entry.details == {"version": version + 2, "from": [RULE], "rules": [], **CLI_OPERATOR}
    again = await asyncio.to_thread(runCli, world)
    assert again.returncode == 0, again.stderr
    assert "0 stored rules removed," in again.stdout


# With Redis down the reset is refused before it changes anything: the stored rules, their version and the audit
# trail stay as they were, and the operator reads one line naming Redis, not a traceback.
async def test_resetRateLimitsWithRedisDownChangesNothing(world: AdminWorld) -> None:
    headers, version = await storeAllowedRule(world)
    before = len(await world.auditEntries("cli.reset_rate_limits", "rate-limits"))
    closed = f"redis://127.0.0.1:{freePort()}/0"
    result = await asyncio.to_thread(runCli, world, {"REDIS_URL": closed})
    assert result.returncode == 2, result.stdout
    assert result.stderr.startswith("kservices: Redis unreachable at 127.0.0.1:"), result.stderr
    assert "Traceback" not in result.stderr
    after = (await world.client.get("/api/admin/settings/rate-limits", headers=headers)).json()
    assert (after["version"], after["rules"]) == (version + 1, [ALLOWED])
    assert len(await world.auditEntries("cli.reset_rate_limits", "rate-limits")) == before
