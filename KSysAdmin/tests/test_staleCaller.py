from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from KSysAdmin.tests.adminSupport import AdminWorld, waitUntilBlocked


@dataclass(frozen=True)
class Case:
    name: str
    change: str  # what happens to the caller: "demote" (superadmin -> admin) or "disable"
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


# Another superadmin's change of the caller, uncommitted, holding the roles lock as a role change holds it.
async def changeCaller(connection: AsyncConnection, change: str, callerId: uuid.UUID) -> None:
    await connection.execute(text("SELECT id FROM roles WHERE name = 'superadmin' FOR UPDATE"))
    await connection.execute(text("SELECT id FROM users WHERE id = :id FOR UPDATE"), {"id": callerId})
    if change == "disable":
        await connection.execute(text("UPDATE users SET status = 'disabled' WHERE id = :id"), {"id": callerId})
        return
    await connection.execute(text(
        "DELETE FROM user_roles WHERE user_id = :id AND role_id = (SELECT id FROM roles WHERE name = 'superadmin')"
    ), {"id": callerId})
    await connection.execute(text(
        "INSERT INTO user_roles (user_id, role_id) SELECT :id, id FROM roles WHERE name = 'admin'"
    ), {"id": callerId})


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
    async with world.database.engine.connect() as connection:
        await connection.begin()
        await changeCaller(connection, case.change, caller.id)
        request = asyncio.create_task(world.client.request(
            case.method, f"/api/admin/users/{target.id}/{path}", json=case.body, headers=headers))
        await waitUntilBlocked(world, request)
        await connection.commit()
    response = await request
    assert response.status_code == case.status, response.text
    assert response.json()["error"]["code"] == case.code
    after = await world.getUser(target.id)
    assert (after.status, after.mfaEnabled, await rolesOf(world, target.id)) == (
        before[0].status, True, before[1] if target.id != caller.id else ["admin"])
    assert all(row.revokedAt is None for row in await world.sessionRows(target.id))
    action = "user.roles_set" if path == "roles" else f"user.{path.replace('/', '_')}"
    [entry] = [entry for entry in await world.auditEntries(action, target.id) if entry.actorId == caller.id]
    assert (entry.outcome, entry.details) == ("denied", {"code": case.code})
