from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
import uuid

import httpx2
import pytest
from sqlalchemy import select, text

from admin_server import createAdminApp
from KSysAdmin.backend.domain.models.auditLog import AuditLog
from KSysAdmin.backend.domain.models.user import UserStatus
from KSysAdmin.tests.adminSupport import PASSWORD, AdminWorld
from shared.backend.config.settings import Settings
from shared.backend.security.jwtCodec import JwtCodec
from shared.backend.utils.uuid import generateId

UNKNOWN_ID = "01a207cb-0000-7000-8000-000000000000"
# (method, path, body, superadmin only) for every protected admin route.
ROUTES: list[tuple[str, str, dict[str, object] | None, bool]] = [
    ("GET", "/api/admin/users", None, False),
    ("GET", f"/api/admin/users/{UNKNOWN_ID}", None, False),
    ("POST", f"/api/admin/users/{UNKNOWN_ID}/lock", None, False),
    ("POST", f"/api/admin/users/{UNKNOWN_ID}/unlock", None, False),
    ("POST", f"/api/admin/users/{UNKNOWN_ID}/disable", None, False),
    ("POST", f"/api/admin/users/{UNKNOWN_ID}/enable", None, False),
    ("POST", f"/api/admin/users/{UNKNOWN_ID}/sessions/revoke", None, False),
    ("POST", f"/api/admin/users/{UNKNOWN_ID}/mfa/reset", None, False),
    ("PUT", f"/api/admin/users/{UNKNOWN_ID}/roles", {"roles": ["user"]}, True),
    ("GET", "/api/admin/audit-logs", None, False),
    ("GET", "/api/admin/payments", None, False),
    ("GET", f"/api/admin/payments/{UNKNOWN_ID}", None, False),
    ("POST", f"/api/admin/payments/{UNKNOWN_ID}/flag/resolve",
     {"resolution": "Refunded", "updatedAt": "2026-12-06T00:00:00Z"}, False),
    ("GET", "/api/admin/stats/daily", None, False),
    ("GET", "/api/admin/settings/cors", None, True),
    ("PUT", "/api/admin/settings/cors", {"version": 999, "origins": []}, True),
    ("GET", "/api/admin/settings/rate-limits", None, True),
    ("PUT", "/api/admin/settings/rate-limits", {"version": 999, "rules": []}, True),
]
Route = tuple[str, str, dict[str, object] | None, bool]
ROUTE_IDS = [f"{method} {path.replace(UNKNOWN_ID, '{id}')}" for method, path, _, _ in ROUTES]


# The target a route's audit entries name: its user or payment id, or its setting.
def routeTarget(route: Route) -> tuple[str | None, str | None]:
    path = route[1].removeprefix("/api/admin/")
    if UNKNOWN_ID in path:
        return ("user" if path.startswith("users/") else "payment"), UNKNOWN_ID
    return ("setting", path.removeprefix("settings/")) if path.startswith("settings/") else (None, None)


async def deniedEntry(world: AdminWorld, actorId: uuid.UUID) -> AuditLog:
    async with world.database.sessionFactory() as session:
        statement = select(AuditLog).where(AuditLog.actorId == actorId, AuditLog.outcome == "denied")
        [row] = (await session.execute(statement)).scalars().all()
        return row


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["roles"] = ["superadmin"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{header}.{forged}.{signature}"


def unsigned(token: str) -> str:
    _, payload, _ = token.split(".")
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').decode().rstrip("=")
    return f"{header}.{payload}."


async def call(world: AdminWorld, route: Route, headers: dict[str, str]) -> httpx2.Response:
    method, path, body, _ = route
    return await world.client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
async def test_refusesMissingAndForeignTokens(world: AdminWorld, route: Route) -> None:
    admin, headers = await world.adminToken(superadmin=True)
    codec = JwtCodec(world.settings.jwt)
    userToken, _ = codec.issue(str(admin.id), str(generateId()), ["superadmin"], world.settings.jwt.userAudience, 300)
    expired, _ = codec.issue(str(admin.id), str(generateId()), ["superadmin"], world.settings.jwt.adminAudience, -120)
    good = headers["Authorization"].removeprefix("Bearer ")
    cases = {
        "no token": {},
        "not bearer": {"Authorization": f"Basic {good}"},
        "user audience": bearer(userToken),
        "expired": bearer(expired),
        "tampered": bearer(tamper(good)),
        "alg none": bearer(unsigned(good)),
        "garbage": bearer("not-a-jwt"),
    }
    for name, caseHeaders in cases.items():
        response = await call(world, route, caseHeaders)
        assert response.status_code == 401, f"{name}: {response.status_code} {response.text}"
        assert response.json()["error"]["code"] in {"unauthenticated", "invalid_token"}, name
    accepted = await call(world, route, headers)
    assert accepted.status_code not in (401, 403), accepted.text


@pytest.mark.parametrize("route", [route for route in ROUTES if route[3]], ids=lambda route: f"{route[0]} {route[1]}")
async def test_plainAdminRefusedOnSuperadminRoutes(world: AdminWorld, route: Route) -> None:
    admin, headers = await world.adminToken(superadmin=False)
    response = await call(world, route, headers)
    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == "insufficient_role"
    row = await deniedEntry(world, admin.id)
    assert (row.targetType, row.targetId) == routeTarget(route)


# An account that lost its admin role (its token still valid) is refused on every route: the denied entry names
# the target the request named, as the action's own entries do, so the target's history shows the attempt.
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
async def test_refusalNamesTheRequestsTarget(world: AdminWorld, route: Route) -> None:
    admin, headers = await world.adminToken()
    async with world.database.engine.begin() as connection:
        await connection.execute(text("DELETE FROM user_roles WHERE user_id = :id"), {"id": admin.id})
    response = await call(world, route, headers)
    assert (response.status_code, response.json()["error"]["code"]) == (403, "insufficient_role"), response.text
    row = await deniedEntry(world, admin.id)
    assert (row.targetType, row.targetId) == routeTarget(route)
    assert row.details == {"code": "insufficient_role", "roles": []}


# A malformed id names no target (the caller is refused before the path is validated).
async def test_refusalOfAMalformedIdNamesNoTarget(world: AdminWorld) -> None:
    admin, headers = await world.adminToken()
    response = await world.client.put("/api/admin/users/12345/roles", json={"roles": ["user"]}, headers=headers)
    assert response.status_code == 403, response.text
    row = await deniedEntry(world, admin.id)
    assert (row.action, row.targetType, row.targetId) == ("PUT /users/{userId}/roles", None, None)


async def test_loginSucceedsForAdminsOnly(world: AdminWorld) -> None:
    admin = await world.createUser(roles=("admin",))
    credentials = {"email": admin.email.upper(), "password": PASSWORD}
    response = await world.client.post("/api/admin/auth/login", json=credentials)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["tokenType"] == "bearer" and body["roles"] == ["admin"]
    assert body["expiresIn"] == world.settings.jwt.adminAccessTtlSeconds
    claims = JwtCodec(world.settings.jwt).decode(body["accessToken"], world.settings.jwt.adminAudience)
    assert claims.subject == str(admin.id)
    entries = await world.auditEntries("admin.login", admin.id)
    assert [entry.outcome for entry in entries] == ["success"]

    plain = await world.createUser(roles=("user",))
    refused = await world.client.post("/api/admin/auth/login", json={"email": plain.email, "password": PASSWORD})
    unknown = await world.client.post("/api/admin/auth/login",
                                      json={"email": "nobody@example.test", "password": PASSWORD})
    wrong = await world.client.post("/api/admin/auth/login", json={"email": admin.email, "password": "nope"})
    for response in (refused, unknown, wrong):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_credentials"
    assert [entry.details["reason"] for entry in await world.auditEntries("admin.login", plain.id)] == ["not_admin"]


# The audit entry of a login for no account records a keyed digest of the typed address and its domain, never the
# address (audit rows can never be changed); a typed value that is no address (a password in the wrong box) neither.
async def test_unknownAccountAuditKeepsAKeyedDigestOnly(world: AdminWorld) -> None:
    local, pasted = f"nobody.{generateId().hex[-12:]}", f"pasted-passphrase-{generateId().hex}"
    typed = [f"{local.title()}@Example.com", f" {local}@example.com", f"{local}x@example.org", pasted]
    requestIds = []
    for address in typed:
        response = await world.client.post("/api/admin/auth/login", json={"email": address, "password": PASSWORD})
        assert response.status_code == 401
        requestIds.append(response.headers["x-request-id"])
    async with world.database.sessionFactory() as session:
        statement = select(AuditLog).where(AuditLog.action == "admin.login", AuditLog.requestId.in_(requestIds))
        stored = {entry.requestId: entry.details for entry in (await session.execute(statement)).scalars().all()}
    recorded = [stored[requestId] for requestId in requestIds]
    assert [entry["reason"] for entry in recorded] == ["unknown_account"] * 4
    assert all("email" not in entry for entry in recorded)
    assert local not in json.dumps(recorded) and pasted not in json.dumps(recorded)
    digests = [entry["emailDigest"] for entry in recorded]
    assert [entry["emailDomain"] for entry in recorded] == ["example.com", "example.com", "example.org", None]
    assert all(re.fullmatch("[0-9a-f]{32}", str(digest)) for digest in digests[:3]) and digests[3] is None
    assert digests[0] == digests[1] != digests[2]
    # Keyed: an unkeyed hash of the address (found by hashing a list of addresses) is not what is stored.
    assert not hashlib.sha256(f"{local}@example.com".encode()).hexdigest().startswith(str(digests[0]))


# An address no account can have (a NUL) is an unknown account like any other: 401 and audited, not a 422.
async def test_addressWithNulIsAnUnknownAccount(world: AdminWorld) -> None:
    typed = f"nul\x00{generateId().hex[-8:]}@example.com"
    response = await world.client.post("/api/admin/auth/login", json={"email": typed, "password": PASSWORD})
    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_credentials", response.text
    async with world.database.sessionFactory() as session:
        statement = select(AuditLog).where(AuditLog.requestId == response.headers["x-request-id"])
        entries = list((await session.execute(statement)).scalars().all())
    assert [(entry.action, entry.details["reason"], entry.details["emailDigest"]) for entry in entries] == [
        ("admin.login", "unknown_account", None)]

# Stored as KAuthApp's register and create-superadmin store it (IDNA domain in Unicode), found as typed.
async def test_loginFindsAnAdminByTheAddressAsTyped(world: AdminWorld) -> None:
    local = f"a{generateId().hex[-12:]}"
    admin = await world.createUser(roles=("admin",), email=f"{local}@bücher.de")
    response = await world.client.post("/api/admin/auth/login",
                                       json={"email": f"{local}@xn--bcher-kva.de", "password": PASSWORD})
    assert response.status_code == 200, response.text
    assert JwtCodec(world.settings.jwt).decode(response.json()["accessToken"],
                                               world.settings.jwt.adminAudience).subject == str(admin.id)


async def test_disabledAdminCannotLogIn(world: AdminWorld) -> None:
    admin = await world.createUser(roles=("admin",), status=UserStatus.DISABLED.value)
    response = await world.client.post("/api/admin/auth/login", json={"email": admin.email, "password": PASSWORD})
    assert response.status_code == 401


async def test_failedLoginsLockTheAccount(world: AdminWorld) -> None:
    admin = await world.createUser(roles=("admin",))
    threshold = world.settings.auth.lockoutThreshold
    for _ in range(threshold):
        response = await world.client.post("/api/admin/auth/login", json={"email": admin.email, "password": "bad"})
        assert response.status_code == 401
    stored = await world.getUser(admin.id)
    assert stored.lockedUntil is not None
    locked = await world.client.post("/api/admin/auth/login", json={"email": admin.email, "password": PASSWORD})
    assert locked.status_code == 401
    reasons = [entry.details["reason"] for entry in await world.auditEntries("admin.login", admin.id)]
    assert reasons == ["wrong_password"] * threshold + ["locked_out"]
    assert len(await world.auditEntries("auth.lockout", admin.id)) == 1


async def test_tokenStopsWorkingWhenAdminIsDisabledOrDemoted(world: AdminWorld) -> None:
    _, superHeaders = await world.adminToken(superadmin=True)
    admin, headers = await world.adminToken()
    assert (await world.client.get("/api/admin/users", headers=headers)).status_code == 200
    demoted = await world.client.put(f"/api/admin/users/{admin.id}/roles", json={"roles": ["user"]},
                                     headers=superHeaders)
    assert demoted.status_code == 200, demoted.text
    assert (await world.client.get("/api/admin/users", headers=headers)).status_code == 403
    other, otherHeaders = await world.adminToken()
    assert (await world.client.post(f"/api/admin/users/{other.id}/disable", headers=superHeaders)).status_code == 200
    assert (await world.client.get("/api/admin/users", headers=otherHeaders)).status_code == 401
    entries = await world.auditEntries("GET /users", other.id)
    refusals = [entry for entry in entries if entry.outcome == "denied"]
    assert [entry.details for entry in refusals] == [{"code": "invalid_token", "reason": "status_disabled"}]


# Someone who knows an admin's address fails its sign-in until the account locks: new sign-ins are refused while the
# lock lasts (423 at the public login, 401 at the console's), but the console token and the user session the admin
# signed in to before keep working, write actions included (docs/decisions.md). An admin's lock still ends them.
async def test_aLockoutFromFailedSignInsLeavesTheAdminsTokensWorking(
    world: AdminWorld, publicClient: httpx2.AsyncClient
) -> None:
    _, superHeaders = await world.adminToken(superadmin=True)
    admin, headers = await world.adminToken()
    signedIn = await publicClient.post("/api/auth/login", json={"email": admin.email, "password": PASSWORD})
    assert signedIn.status_code == 200, signedIn.text
    publicClient.cookies.clear()
    userHeaders = bearer(signedIn.json()["accessToken"])
    attempts = [await publicClient.post("/api/auth/login", json={"email": admin.email, "password": "bad"})
                for _ in range(world.settings.auth.lockoutThreshold)]
    assert [attempt.status_code for attempt in attempts] == [401] * (len(attempts) - 1) + [423]
    assert (await world.getUser(admin.id)).lockedUntil is not None
    again = await publicClient.post("/api/auth/login", json={"email": admin.email, "password": PASSWORD})
    assert (again.status_code, again.json()["error"]["code"]) == (423, "account_locked")
    console = await world.client.post("/api/admin/auth/login", json={"email": admin.email, "password": PASSWORD})
    assert (console.status_code, console.json()["error"]["code"]) == (401, "invalid_credentials")
    assert (await world.client.get("/api/admin/users", headers=headers)).status_code == 200
    target = await world.createUser()
    locked = await world.client.post(f"/api/admin/users/{target.id}/lock", headers=headers)
    assert locked.status_code == 200, locked.text
    assert (await publicClient.get("/api/auth/me", headers=userHeaders)).status_code == 200
    assert (await world.client.post(f"/api/admin/users/{admin.id}/lock", headers=superHeaders)).status_code == 200
    refused = await world.client.get("/api/admin/users", headers=headers)
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "invalid_token")
    assert (await publicClient.get("/api/auth/me", headers=userHeaders)).status_code == 401
    entries = await world.auditEntries("GET /users", admin.id)
    # The signed token names its account: the refusal is that admin's, not an anonymous caller's.
    refusals = [(entry.actorId, entry.actorType, entry.details) for entry in entries if entry.outcome == "denied"]
    assert refusals == [(admin.id, "admin", {"code": "invalid_token", "reason": "status_locked"})]


def test_adminApiDocsAreNotServedInProduction(adminSettings: Settings) -> None:
    def docPaths(env: str) -> set[str]:
        settings = dataclasses.replace(adminSettings, app=adminSettings.app.model_copy(update={"env": env}))
        return {getattr(route, "path", "") for route in createAdminApp(settings).routes} & {
            "/api/admin/docs", "/api/admin/openapi.json"}

    assert docPaths("development") == {"/api/admin/docs", "/api/admin/openapi.json"}
    assert docPaths("production") == set()
