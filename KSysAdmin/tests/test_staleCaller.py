from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass

import httpx2
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from KSysAdmin.tests.adminSupport import AdminWorld, seedPayment, storedPayment, waitUntilBlocked


@dataclass(frozen=True)
class Case:
    name: str
    change: str  # what happens to the caller: "demote" (one role down, see DEMOTIONS) or "disable"
    targetRoles: tuple[str, ...]
    targetStatus: str
    method: str
    path: str  # "{self}" is the caller's own account
    body: dict[str, object] | None
    status: int
    code: str


CASES = [
    Case("own roles", "demote", ("user",), "active", "PUT", "{self}/roles", {"roles": ["superadmin"]}, 403,
         "insufficient_role"),
    Case("third account's roles", "demote", ("user",), "active", "PUT", "roles", {"roles": ["superadmin"]}, 403,
         "insufficient_role"),
    Case("roles after disable", "disable", ("user",), "active", "PUT", "roles", {"roles": ["superadmin"]}, 401,
         "invalid_token"),
    Case("disable an admin", "demote", ("admin",), "active", "POST", "disable", None, 403, "insufficient_role"),
    Case("unlock an admin", "demote", ("admin",), "locked", "POST", "unlock", None, 403, "insufficient_role"),
    Case("reset an admin's MFA", "demote", ("admin",), "active", "POST", "mfa/reset", None, 403,
         "insufficient_role"),
    Case("revoke an admin's sessions", "demote", ("admin",), "active", "POST", "sessions/revoke", None, 403,
         "insufficient_role"),
]
# For the settings and the flag resolution: the caller's change and the refusal it brings.
CHANGES = [("demote", 403, "insufficient_role"), ("disable", 401, "invalid_token")]
SETTINGS = {
    "cors": {"origins": ["https://stale-caller.example.com"]},
    "rate-limits": {"rules": [{"routeGroup": "payment", "scope": "user", "limit": 500, "windowSeconds": 60,
                               "failMode": "open", "enabled": False}]},
}
# A demotion takes the caller's role and leaves the next one down.
DEMOTIONS = {"superadmin": "admin", "admin": "user"}


# Another superadmin's change of the caller, uncommitted, holding the roles lock as a role change holds it.
async def changeCaller(connection: AsyncConnection, change: str, callerId: uuid.UUID, role: str) -> None:
    await connection.execute(text("SELECT id FROM roles WHERE name = 'superadmin' FOR UPDATE"))
    await connection.execute(text("SELECT id FROM users WHERE id = :id FOR UPDATE"), {"id": callerId})
    if change == "disable":
        await connection.execute(text("UPDATE users SET status = 'disabled' WHERE id = :id"), {"id": callerId})
        return
    await connection.execute(text(
        "DELETE FROM user_roles WHERE user_id = :id AND role_id = (SELECT id FROM roles WHERE name = :role)"
    ), {"id": callerId, "role": role})
    await connection.execute(text(
        "INSERT INTO user_roles (user_id, role_id) SELECT :id, id FROM roles WHERE name = :role"
    ), {"id": callerId, "role": DEMOTIONS[role]})


# Sends the request while the caller's change holds the roles lock, and commits the change once the request waits.
async def sendWhileCallerChanges(
    world: AdminWorld, change: str, callerId: uuid.UUID, role: str, method: str, path: str,
    body: dict[str, object] | None, headers: dict[str, str],
) -> httpx2.Response:
    async with world.database.engine.connect() as connection:
        await connection.begin()
        await changeCaller(connection, change, callerId, role)
        request = asyncio.create_task(world.client.request(method, path, json=body, headers=headers))
        await waitUntilBlocked(world, request)
        await connection.commit()
    return await request


async def rolesOf(world: AdminWorld, userId: uuid.UUID) -> list[str]:
    async with world.database.engine.connect() as connection:
        rows = await connection.execute(text(
            "SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = :id ORDER BY 1"
        ), {"id": userId})
        return list(rows.scalars().all())


# A superadmin demoted or disabled while the request waited on the roles lock: the action runs with the caller
# as that lock lets it see them, not as authorised before the wait, so it is refused, audited, and changes nothing.
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
async def test_callerChangedWhileWaitingIsRefused(world: AdminWorld, case: Case) -> None:
    caller, headers = await world.adminToken(superadmin=True)
    await world.createUser(roles=("superadmin",))  # the one demoting the caller: never the last superadmin
    target = caller if case.path.startswith("{self}") else await world.createUser(case.targetRoles, case.targetStatus)
    async with world.database.engine.begin() as connection:
        await connection.execute(text("UPDATE users SET mfa_enabled = true WHERE id = :id"), {"id": target.id})
    await world.createSessions(target.id, 1)
    before = (await world.getUser(target.id), await rolesOf(world, target.id))
    path = case.path.replace("{self}/", "")
    response = await sendWhileCallerChanges(world, case.change, caller.id, "superadmin", case.method,
                                            f"/api/admin/users/{target.id}/{path}", case.body, headers)
    assert response.status_code == case.status, response.text
    assert response.json()["error"]["code"] == case.code
    after = await world.getUser(target.id)
    assert (after.status, after.mfaEnabled, await rolesOf(world, target.id)) == (
        before[0].status, True, before[1] if target.id != caller.id else ["admin"])
    assert all(row.revokedAt is None for row in await world.sessionRows(target.id))
    action = "user.roles_set" if path == "roles" else f"user.{path.replace('/', '_')}"
    [entry] = [entry for entry in await world.auditEntries(action, target.id) if entry.actorId == caller.id]
    assert (entry.outcome, entry.details) == ("denied", {"code": case.code})


async def callerEntries(
    world: AdminWorld, action: str, targetId: str | uuid.UUID, callerId: uuid.UUID
) -> list[tuple[str, dict[str, object]]]:
    entries = await world.auditEntries(action, str(targetId))
    return [(entry.outcome, entry.details) for entry in entries if entry.actorId == callerId]


# A settings change by a superadmin demoted or disabled while it waited on the roles lock: refused, audited as
# denied, and neither the stored nor the published setting changes.
@pytest.mark.parametrize("name", SETTINGS)
@pytest.mark.parametrize(("change", "status", "code"), CHANGES, ids=[change for change, _, _ in CHANGES])
async def test_settingChangedByAChangedCallerIsRefused(
    world: AdminWorld, name: str, change: str, status: int, code: str
) -> None:
    caller, headers = await world.adminToken(superadmin=True)
    _, otherHeaders = await world.adminToken(superadmin=True)

    # The stored setting, and the version of the document Redis holds (None: none).
    async def stored() -> tuple[dict[str, object], object]:
        response = await world.client.get(f"/api/admin/settings/{name}", headers=otherHeaders)
        assert response.status_code == 200, response.text
        published = await world.redis.get(f"ksysadmin:settings:{name}")
        return response.json(), json.loads(published)["version"] if published else None

    before, publishedBefore = await stored()
    body = {"version": before["version"], **SETTINGS[name]}
    response = await sendWhileCallerChanges(world, change, caller.id, "superadmin", "PUT",
                                            f"/api/admin/settings/{name}", body, headers)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    after, publishedAfter = await stored()
    assert after == before
    # Nothing newer published; the stack's admin server republishes the stored version when the key is missing.
    assert publishedAfter in (publishedBefore, before["version"])
    action = "settings.cors_update" if name == "cors" else "settings.rate_limits_update"
    assert await callerEntries(world, action, name, caller.id) == [("denied", {"code": code})]


# A flag resolution by an admin demoted (to user) or disabled while it waited on the roles lock: refused, audited
# as denied, and the flag stays open.
@pytest.mark.parametrize(("change", "status", "code"), CHANGES, ids=[change for change, _, _ in CHANGES])
async def test_flagResolvedByAChangedCallerIsRefused(world: AdminWorld, change: str, status: int, code: str) -> None:
    caller, headers = await world.adminToken()
    payment = await seedPayment(world, (await world.createUser()).id)
    body = {"resolution": "Refunded", "updatedAt": payment.updatedAt.isoformat()}
    response = await sendWhileCallerChanges(world, change, caller.id, "admin", "POST",
                                            f"/api/admin/payments/{payment.id}/flag/resolve", body, headers)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    stored = await storedPayment(world, payment.id)
    assert (stored.flagResolvedAt, stored.flagResolvedBy, stored.flagResolution, stored.updatedAt) == (
        None, None, None, payment.updatedAt)
    assert await callerEntries(world, "payment.flag_resolved", payment.id, caller.id) == [("denied", {"code": code})]
