from __future__ import annotations

import asyncio

from sqlalchemy import select, text, update

from KSysAdmin.backend.domain.models.auditLog import AuditLog
from KSysAdmin.backend.domain.models.role import Role, RoleName, UserRole
from KSysAdmin.backend.domain.models.user import User, UserStatus
from KSysAdmin.tests.adminSupport import AdminWorld
from shared.backend.utils.uuid import generateId


async def liveKeys(world: AdminWorld, sessionIds: list[object]) -> int:
    return int(await world.redis.exists(*[f"kauth:session:{sessionId}" for sessionId in sessionIds]))


async def test_lockRevokesSessionsAndAudits(world: AdminWorld) -> None:
    admin, headers = await world.adminToken()
    target = await world.createUser()
    sessionIds = await world.createSessions(target.id, 3)
    requestId = f"req-{generateId().hex}"
    response = await world.client.post(f"/api/admin/users/{target.id}/lock",
                                       headers={**headers, "X-Request-ID": requestId})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == UserStatus.LOCKED.value
    assert (await world.getUser(target.id)).status == UserStatus.LOCKED.value
    assert all(row.revokedAt is not None and row.revokedReason == "admin_lock"
               for row in await world.sessionRows(target.id))
    assert await liveKeys(world, sessionIds) == 0
    assert await world.redis.exists(*[f"kauth:revoked:{sessionId}" for sessionId in sessionIds]) == 3
    [entry] = await world.auditEntries("user.lock", target.id)
    assert entry.actorId == admin.id and entry.outcome == "success" and entry.requestId == requestId
    assert entry.details == {"from": "active", "to": "locked", "revokedSessions": 3}


async def test_unlockDisableEnableCycle(world: AdminWorld) -> None:
    _, headers = await world.adminToken()
    target = await world.createUser(status=UserStatus.LOCKED.value)
    expected = [("unlock", "active"), ("disable", "disabled"), ("enable", "active"), ("lock", "locked")]
    for action, status in expected:
        response = await world.client.post(f"/api/admin/users/{target.id}/{action}", headers=headers)
        assert response.status_code == 200, f"{action}: {response.text}"
        assert response.json()["status"] == status
        assert [entry.outcome for entry in await world.auditEntries(f"user.{action}", target.id)] == ["success"]


# An unlock also ends a lockout from failed logins: the counter and the lock's end are cleared.
async def test_unlockClearsFailedLogins(world: AdminWorld) -> None:
    _, headers = await world.adminToken()
    target = await world.createUser(status=UserStatus.LOCKED.value)
    async with world.database.engine.begin() as connection:
        await connection.execute(text(
            "UPDATE users SET failed_login_times = array_fill(now(), ARRAY[4]), "
            "locked_until = now() + interval '10 minutes' WHERE id = :id"), {"id": target.id})
    assert (await world.client.post(f"/api/admin/users/{target.id}/unlock", headers=headers)).status_code == 200
    stored = await world.getUser(target.id)
    assert (stored.status, stored.failedLoginTimes, stored.lockedUntil) == ("active", [], None)


# An active account in a lockout from failed sign-ins (wrong passwords or codes, up to a day) is unlocked by an
# admin without waiting: the lockout ends, the status stays, and the audit entry says which lockout ended.
async def test_unlockEndsALockoutOfAnActiveAccount(world: AdminWorld) -> None:
    _, headers = await world.adminToken()
    target = await world.createUser()
    async with world.database.engine.begin() as connection:
        await connection.execute(text(
            "UPDATE users SET failed_login_times = array_fill(now(), ARRAY[5]), "
            "locked_until = date_trunc('second', now()) + interval '10 minutes' WHERE id = :id"), {"id": target.id})
    lockedUntil = (await world.getUser(target.id)).lockedUntil
    unlocked = await world.client.post(f"/api/admin/users/{target.id}/unlock", headers=headers)
    assert unlocked.status_code == 200, unlocked.text
    assert (unlocked.json()["status"], unlocked.json()["lockedUntil"]) == ("active", None)
    stored = await world.getUser(target.id)
    assert (stored.status, stored.failedLoginTimes, stored.lockedUntil) == ("active", [], None)
    [entry] = await world.auditEntries("user.unlock", target.id)
    assert lockedUntil is not None
    assert (entry.outcome, entry.details) == ("success", {"from": "active", "to": "active",
                                                          "lockoutEnded": lockedUntil.isoformat()})


async def test_invalidTransitionsAndBadIds(world: AdminWorld) -> None:
    _, headers = await world.adminToken()
    target = await world.createUser()
    refused = await world.client.post(f"/api/admin/users/{target.id}/unlock", headers=headers)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "invalid_status_transition"
    assert [entry.outcome for entry in await world.auditEntries("user.unlock", target.id)] == ["failure"]
    assert (await world.getUser(target.id)).status == UserStatus.ACTIVE.value
    missing = await world.client.post(f"/api/admin/users/{generateId()}/lock", headers=headers)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "user_not_found"
    malformed = await world.client.post("/api/admin/users/12345/lock", headers=headers)
    assert malformed.status_code == 422
    assert (await world.client.get(f"/api/admin/users/{generateId()}", headers=headers)).status_code == 404


async def test_plainAdminCannotManageAdmins(world: AdminWorld) -> None:
    admin, headers = await world.adminToken()
    other = await world.createUser(roles=("admin",))
    response = await world.client.post(f"/api/admin/users/{other.id}/disable", headers=headers)
    assert response.status_code == 403
    [entry] = await world.auditEntries("user.disable", other.id)
    assert entry.outcome == "denied" and entry.actorId == admin.id
    assert (await world.getUser(other.id)).status == UserStatus.ACTIVE.value


async def test_adminCannotLockSelf(world: AdminWorld) -> None:
    admin, headers = await world.adminToken()
    response = await world.client.post(f"/api/admin/users/{admin.id}/lock", headers=headers)
    assert response.status_code == 409 and response.json()["error"]["code"] == "cannot_target_self"


async def test_revokeSessionsRemovesRedisKeys(world: AdminWorld) -> None:
    admin, headers = await world.adminToken()
    target = await world.createUser()
    sessionIds = await world.createSessions(target.id, 4)
    bystander = await world.createUser()
    otherIds = await world.createSessions(bystander.id, 1)
    assert await liveKeys(world, sessionIds) == 4
    response = await world.client.post(f"/api/admin/users/{target.id}/sessions/revoke", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"revokedSessions": 4, "removedSessionKeys": 4}
    assert await liveKeys(world, sessionIds) == 0
    assert await liveKeys(world, otherIds) == 1
    assert (await world.getUser(target.id)).status == UserStatus.ACTIVE.value
    [entry] = await world.auditEntries("user.sessions_revoke", target.id)
    assert entry.details == {"revokedSessions": 4} and entry.actorId == admin.id
    # Repeating is harmless and clears keys that reappeared (for example after a failed first attempt).
    await world.redis.set(f"kauth:session:{sessionIds[0]}", "{}")
    again = await world.client.post(f"/api/admin/users/{target.id}/sessions/revoke", headers=headers)
    assert again.json() == {"revokedSessions": 0, "removedSessionKeys": 1}


async def test_userDetailShowsRolesSessionsAndAudit(world: AdminWorld) -> None:
    _, headers = await world.adminToken()
    target = await world.createUser(roles=("user", "admin"))
    await world.createSessions(target.id, 2)
    # A plain admin may read an admin's account but not manage it.
    refused = await world.client.post(f"/api/admin/users/{target.id}/sessions/revoke", headers=headers)
    assert refused.status_code == 403
    _, superHeaders = await world.adminToken(superadmin=True)
    await world.client.post(f"/api/admin/users/{target.id}/sessions/revoke", headers=superHeaders)
    detail = (await world.client.get(f"/api/admin/users/{target.id}", headers=headers)).json()
    assert detail["roles"] == ["admin", "user"] and detail["email"] == target.email
    assert len(detail["sessions"]) == 2 and all(item["revokedAt"] for item in detail["sessions"])
    assert detail["paymentSummary"] == {"total": 0, "byStatus": {}, "paidAmount": 0}
    actions = [entry["action"] for entry in detail["recentAudit"]]
    assert actions.count("user.sessions_revoke") == 2


async def test_setRolesBySuperadmin(world: AdminWorld) -> None:
    superadmin, headers = await world.adminToken(superadmin=True)
    target = await world.createUser()
    response = await world.client.put(f"/api/admin/users/{target.id}/roles", json={"roles": ["user", "admin"]},
                                      headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["roles"] == ["admin", "user"]
    [entry] = await world.auditEntries("user.roles_set", target.id)
    assert entry.details == {"from": ["user"], "to": ["admin", "user"]} and entry.actorId == superadmin.id
    invalid = await world.client.put(f"/api/admin/users/{target.id}/roles", json={"roles": ["root"]},
                                     headers=headers)
    assert invalid.status_code == 422
    assert invalid.json()["error"]["details"][0]["field"] == "roles.0"
    # An account keeps at least one role, and a repeated role is named rather than dropped.
    for roles, message in (([], "List should have at least 1 item after validation, not 0"),
                           (["admin", "admin"], "Value error, admin is listed twice")):
        refused = await world.client.put(f"/api/admin/users/{target.id}/roles", json={"roles": roles},
                                         headers=headers)
        assert refused.status_code == 422, refused.text
        assert [(item["field"], item["message"]) for item in refused.json()["error"]["details"]] == [
            ("roles", message)]
    failed = await world.auditEntries("PUT /users/{userId}/roles", target.id)
    assert [entry.details["fields"] for entry in failed] == [["roles.0"], ["roles"], ["roles"]]
    detail = await world.client.get(f"/api/admin/users/{target.id}", headers=headers)
    assert detail.json()["roles"] == ["admin", "user"]


async def test_lastSuperadminIsProtected(world: AdminWorld) -> None:
    async with world.database.sessionFactory() as session:
        superadminIds = (
            UserRole.__table__.select()
            .with_only_columns(UserRole.userId)
            .join(Role.__table__, Role.id == UserRole.roleId)
            .where(Role.name == RoleName.SUPERADMIN.value)
        )
        await session.execute(update(User).where(User.id.in_(superadminIds)).values(status=UserStatus.DISABLED.value))
        await session.commit()
    last, headers = await world.adminToken(superadmin=True)
    for method, path, body in (
        ("PUT", f"/api/admin/users/{last.id}/roles", {"roles": ["admin"]}),
        ("POST", f"/api/admin/users/{last.id}/lock", None),
        ("POST", f"/api/admin/users/{last.id}/disable", None),
    ):
        response = await world.client.request(method, path, json=body, headers=headers)
        assert response.status_code == 409, response.text
        assert response.json()["error"]["code"] == "last_superadmin"
    second = await world.createUser(roles=("superadmin",))
    demoted = await world.client.put(f"/api/admin/users/{last.id}/roles", json={"roles": ["admin"]}, headers=headers)
    assert demoted.status_code == 200
    secondHeaders = {"Authorization": f"Bearer {await world.login(second)}"}
    refused = await world.client.post(f"/api/admin/users/{second.id}/disable", headers=secondHeaders)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "last_superadmin"


# A soft-deleted account is not found for admin changes (no status, role or MFA change is audited as done);
# its sessions can still be revoked.
async def test_softDeletedAccountIsNotChanged(world: AdminWorld) -> None:
    _, headers = await world.adminToken(superadmin=True)
    target = await world.createUser(status=UserStatus.LOCKED.value)
    async with world.database.sessionFactory() as session:
        await session.execute(update(User).where(User.id == target.id).values(deletedAt=text("now()"),
                                                                             mfaEnabled=True))
        await session.commit()
    for method, path, body in [("POST", "unlock", None), ("POST", "lock", None), ("POST", "disable", None),
                               ("PUT", "roles", {"roles": ["superadmin"]}), ("POST", "mfa/reset", None)]:
        response = await world.client.request(method, f"/api/admin/users/{target.id}/{path}", headers=headers,
                                              json=body)
        assert response.status_code == 404 and response.json()["error"]["code"] == "user_not_found", path
    stored = await world.getUser(target.id)
    assert stored.status == UserStatus.LOCKED.value and stored.mfaEnabled
    revoked = await world.client.post(f"/api/admin/users/{target.id}/sessions/revoke", headers=headers)
    assert revoked.status_code == 200, revoked.text


# Revoking an admin's sessions ends their console token too, at once, not when it expires.
async def test_revokeEndsTheTargetAdminsToken(world: AdminWorld) -> None:
    _, superHeaders = await world.adminToken(superadmin=True)
    target, targetHeaders = await world.adminToken()
    assert (await world.client.get("/api/admin/users", headers=targetHeaders)).status_code == 200
    revoked = await world.client.post(f"/api/admin/users/{target.id}/sessions/revoke", headers=superHeaders)
    assert revoked.status_code == 200, revoked.text
    refused = await world.client.get("/api/admin/users", headers=targetHeaders)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_token"
    [entry] = await world.auditEntries("GET /users", target.id)
    assert entry.outcome == "denied" and entry.details["reason"] == "token_revoked"
    await asyncio.sleep(1.05)  # a token's iat is whole seconds: one issued in the revocation's second is void
    fresh = {"Authorization": f"Bearer {await world.login(target)}"}
    assert (await world.client.get("/api/admin/users", headers=fresh)).status_code == 200


# A malformed change from an authorized admin is refused by validation and still audited (fields, no values), naming
# the target its path names (none for a malformed id).
async def test_malformedChangesAreAuditedAsFailed(world: AdminWorld) -> None:
    admin, headers = await world.adminToken(superadmin=True)
    target = await world.createUser()
    roles = await world.client.put(f"/api/admin/users/{target.id}/roles", json={"roles": ["root"]}, headers=headers)
    assert roles.status_code == 422, roles.text
    badId = await world.client.post("/api/admin/users/not-a-uuid/lock", headers=headers)
    assert badId.status_code == 422, badId.text
    read = await world.client.get("/api/admin/users", params={"limit": "0"}, headers=headers)
    assert read.status_code == 422
    async with world.database.sessionFactory() as session:
        statement = (select(AuditLog).where(AuditLog.actorId == admin.id, AuditLog.action != "admin.login")
                     .order_by(AuditLog.createdAt))
        found = (await session.execute(statement)).scalars().all()
    entries = [(entry.action, entry.outcome, entry.targetType, entry.targetId, entry.details) for entry in found]
    assert entries == [
        ("PUT /users/{userId}/roles", "failure", "user", str(target.id),
         {"code": "validation_failed", "fields": ["roles.0"]}),
        ("POST /users/{userId}/lock", "failure", None, None, {"code": "validation_failed", "fields": ["userId"]}),
    ]


# Validation names a key the body's model does not have by the key itself: the entry names it with a fixed marker,
# whatever it holds (a NUL, which jsonb refuses, or a value), and the answer stays the 422. A lone surrogate is
# refused as the body's (FastAPI's JSON decoding), before the model.
async def test_unexpectedKeysAreAuditedByAMarker(world: AdminWorld) -> None:
    admin, headers = await world.adminToken(superadmin=True)
    target = await world.createUser()
    rule = '{"routeGroup": "auth", "scope": "ip", "limit": 5, "windowSeconds": 60, "failMode": "open", "\\u0000y": 1}'
    sent = [("/api/admin/settings/cors", '{"version": 0, "origins": [], "\\u0000x": 1}'),
            ("/api/admin/settings/cors", '{"version": 0, "origins": [], "\\ud800x": 1}'),
            ("/api/admin/settings/rate-limits", '{"version": 0, "rules": [' + rule + ']}'),
            (f"/api/admin/users/{target.id}/roles", '{"roles": ["user"], "password=hunter2": 1}')]
    for path, body in sent:
        refused = await world.client.put(path, content=body,
                                         headers={**headers, "Content-Type": "application/json"})
        assert refused.status_code == 422, refused.text
        assert len(refused.json()["error"]["details"]) == 1, refused.text
    async with world.database.sessionFactory() as session:
        statement = (select(AuditLog).where(AuditLog.actorId == admin.id, AuditLog.action != "admin.login")
                     .order_by(AuditLog.createdAt))
        found = (await session.execute(statement)).scalars().all()
    assert [(entry.action, entry.outcome, entry.details) for entry in found] == [
        ("PUT /settings/cors", "failure", {"code": "validation_failed", "fields": ["(unexpected field)"]}),
        ("PUT /settings/cors", "failure", {"code": "validation_failed", "fields": ["body"]}),
        ("PUT /settings/rate-limits", "failure",
         {"code": "validation_failed", "fields": ["rules.0.(unexpected field)"]}),
        ("PUT /users/{userId}/roles", "failure", {"code": "validation_failed", "fields": ["(unexpected field)"]}),
    ]


# A body that is not JSON at all is judged after the caller: no token is 401, a plain admin on a superadmin route
# 403, and the superadmin's malformed change is audited like any other (FastAPI decodes JSON before dependencies).
async def test_undecodableBodyIsAuthorizedFirstAndAudited(world: AdminWorld) -> None:
    admin, headers = await world.adminToken(superadmin=True)
    _, plainHeaders = await world.adminToken()
    target = await world.createUser()
    path = f"/api/admin/users/{target.id}/roles"
    body = {"content": b'{"roles": ["user"', "headers": {"Content-Type": "application/json"}}
    anonymous = await world.client.put(path, **body)
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "unauthenticated", anonymous.text
    plain = await world.client.put(path, content=body["content"], headers={**body["headers"], **plainHeaders})
    assert plain.status_code == 403, plain.text
    refused = await world.client.put(path, content=body["content"], headers={**body["headers"], **headers})
    assert refused.status_code == 422, refused.text
    assert [(item["field"], item["type"]) for item in refused.json()["error"]["details"]] == [("body", "json_invalid")]
    [entry] = [entry for entry in await world.auditEntries("PUT /users/{userId}/roles", target.id)
               if entry.actorId == admin.id]
    assert (entry.outcome, entry.details) == ("failure", {"code": "validation_failed", "fields": ["body"]})
    assert [role for role in (await world.client.get(f"/api/admin/users/{target.id}", headers=headers))
            .json()["roles"]] == ["user"]
