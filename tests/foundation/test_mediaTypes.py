from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx2
import pytest
from sqlalchemy import text

from KAuthApp.tests.authTestSupport import PASSWORD, registerVerified, sessionIdOf, uniqueEmail, userIdOf
from shared.backend.config.settings import Settings
from shared.backend.database.engine import Database
from shared.backend.http.mediaType import NOT_JSON_MESSAGE
from shared.backend.redis.client import createRedisClient
from shared.backend.security.sessionStore import sessionKey
from shared.backend.utils.uuid import generateId
from tests.security.securitySupport import AccountFactory, groupDocument, operationsOf

# Bodies a JSON route refuses (415): no Content-Type (a page of another site sends one with a Blob, without a
# preflight), the three types a cross-site form sends, and JSON in another charset.
REFUSED = {
    "none": {},
    "textPlain": {"Content-Type": "text/plain"},
    "form": {"Content-Type": "application/x-www-form-urlencoded"},
    "multipart": {"Content-Type": "multipart/form-data; boundary=kservices"},
    "latin1": {"Content-Type": "application/json; charset=latin-1"},
}
ACCEPTED = {
    "utf8": {"Content-Type": "application/json; charset=utf-8"},
    "vendor": {"Content-Type": "application/vnd.foo+json"},
}


@pytest.fixture(scope="module")
async def factory(settings: Settings, database: Database) -> AsyncIterator[AccountFactory]:
    redis = createRedisClient(settings.redis)
    factory = AccountFactory(settings, database, redis)
    try:
        yield factory
    finally:
        await factory.cleanup()
        await redis.aclose()


@pytest.fixture
async def client(gatewayUrl: str) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(base_url=gatewayUrl, timeout=30) as client:
        yield client


def refusal(response: httpx2.Response) -> str | None:
    if response.status_code != 415:
        return f"{response.status_code} {response.text[:200]}"
    error = response.json()["error"]
    expected = [{"field": "body", "location": "body", "message": NOT_JSON_MESSAGE, "type": "content_type"}]
    if error["code"] != "unsupported_media_type" or error["details"] != expected:
        return f"415 {response.text[:200]}"
    return None if error["requestId"] == response.headers.get("x-request-id") else "415 without its request id"


async def scalar(database: Database, sql: str, **params: object) -> object:
    async with database.engine.connect() as connection:
        return (await connection.execute(text(sql), params)).scalar()


# Every operation its document gives a JSON body refuses each of these, its caller signed in.
@pytest.mark.parametrize("group", ["auth", "payment", "admin"])
async def test_everyJsonOperationRefusesABodyNotSentAsJson(
    group: str, gatewayUrl: str, factory: AccountFactory, client: httpx2.AsyncClient
) -> None:
    caller = await factory.create(["user", "admin", "superadmin"], f"media-{group}")
    token = caller.adminToken if group == "admin" else caller.userToken
    operations = [operation for operation in operationsOf(groupDocument(gatewayUrl, group), group)
                  if operation.hasJsonBody()]
    assert operations
    wrong = []
    for operation in operations:
        for name, headers in REFUSED.items():
            response = await client.request(operation.method, operation.url(""), content=b"{}", headers={
                **headers, "Authorization": f"Bearer {token}", "Idempotency-Key": generateId().hex})
            if problem := refusal(response):
                wrong.append(f"{operation.method} {operation.path} {name}: {problem}")
    assert not wrong, "\n".join(wrong)


# The caller is judged first (shared/backend/dependenciesFirstRoute.py); a route without a body ignores one.
async def test_theCallerIsJudgedBeforeTheMediaType(factory: AccountFactory, client: httpx2.AsyncClient) -> None:
    user = await factory.create(["user"], "media-caller")
    plain = {"Content-Type": "text/plain"}
    anonymous = await client.patch("/api/auth/me", content=b'{"displayName": "x"}', headers=plain)
    assert (anonymous.status_code, anonymous.json()["error"]["code"]) == (401, "unauthenticated")
    notAdmin = await client.put(f"/api/admin/users/{user.userId}/roles", content=b'{"roles": ["user"]}',
                                headers={**plain, "Authorization": f"Bearer {user.adminToken}"})
    assert notAdmin.status_code == 403, notAdmin.text
    ignored = await client.request("GET", "/api/auth/me", content=b"a=b",
                                   headers={**plain, "Authorization": f"Bearer {user.userToken}"})
    assert ignored.status_code == 200, ignored.text


async def test_aRefusedProfileChangeWritesNothing(
    factory: AccountFactory, database: Database, client: httpx2.AsyncClient
) -> None:
    user = await factory.create(["user"], "media-profile")
    signedIn = {"Authorization": f"Bearer {user.userToken}"}
    for name, headers in REFUSED.items():
        body = json.dumps({"displayName": f"refused {name}"}).encode()
        assert refusal(await client.patch("/api/auth/me", content=body, headers={**headers, **signedIn})) is None
    nameSql = "SELECT display_name FROM users WHERE id = :id"
    assert await scalar(database, nameSql, id=user.userId) is None
    for name, headers in ACCEPTED.items():
        body = json.dumps({"displayName": f"accepted {name}"}).encode()
        changed = await client.patch("/api/auth/me", content=body, headers={**headers, **signedIn})
        assert changed.status_code == 200, changed.text
        assert await scalar(database, nameSql, id=user.userId) == f"accepted {name}"


async def test_aRefusedRegistrationCreatesNoAccount(database: Database, client: httpx2.AsyncClient) -> None:
    for name, headers in REFUSED.items():
        address = uniqueEmail(f"media-{name.lower()}")
        body = json.dumps({"email": address, "password": PASSWORD}).encode()
        assert refusal(await client.post("/api/auth/register", content=body, headers=headers)) is None
        assert await scalar(database, "SELECT count(*) FROM users WHERE email = :email", email=address.lower()) == 0


async def test_aRefusedLoginStartsNoSession(settings: Settings, database: Database,
                                            client: httpx2.AsyncClient) -> None:
    address = await registerVerified(client, settings.mail.outboxDir, "media-login")
    userId = await userIdOf(database, address)
    body = json.dumps({"email": address, "password": PASSWORD}).encode()
    countSql = "SELECT count(*) FROM sessions WHERE user_id = :id"
    for headers in REFUSED.values():
        assert refusal(await client.post("/api/auth/login", content=body, headers=headers)) is None
    assert await scalar(database, countSql, id=userId) == 0
    for headers in ACCEPTED.values():
        signedIn = await client.post("/api/auth/login", content=body, headers=headers)
        assert signedIn.status_code == 200, signedIn.text
    assert await scalar(database, countSql, id=userId) == len(ACCEPTED)


# The refresh cookie goes with any request the browser makes to /api/auth: a body the page could send without a
# preflight neither rotates nor ends the session.
async def test_aCookieRefreshOrLogoutWithABodyNotSentAsJsonChangesNothing(
    settings: Settings, database: Database, client: httpx2.AsyncClient
) -> None:
    address = await registerVerified(client, settings.mail.outboxDir, "media-cookie")
    signedIn = await client.post("/api/auth/login", json={"email": address, "password": PASSWORD})
    assert signedIn.status_code == 200, signedIn.text
    sessionId = sessionIdOf(signedIn.json())
    stateSql = "SELECT refresh_token_hash || coalesce(revoked_at::text, '') FROM sessions WHERE id = :id"
    before = await scalar(database, stateSql, id=sessionId)
    for name, headers in REFUSED.items():
        for path in ("/api/auth/refresh", "/api/auth/logout"):
            problem = refusal(await client.post(path, content=b"{}", headers=headers))
            assert problem is None, f"{path} {name}: {problem}"
    assert await scalar(database, stateSql, id=sessionId) == before
    redis = createRedisClient(settings.redis)
    try:
        assert await redis.exists(sessionKey(sessionId)) == 1
    finally:
        await redis.aclose()
    refreshed = await client.post("/api/auth/refresh")  # the same cookie, without a body: rotated
    assert refreshed.status_code == 200, refreshed.text


async def test_aRefusedPaymentCreatesNothing(
    factory: AccountFactory, database: Database, client: httpx2.AsyncClient
) -> None:
    user = await factory.create(["user"], "media-payment")
    body = json.dumps({"amount": 10000, "method": "briva"}).encode()
    for name, headers in REFUSED.items():
        response = await client.post("/api/payment/payments", content=body, headers={
            **headers, "Authorization": f"Bearer {user.userToken}", "Idempotency-Key": generateId().hex})
        assert refusal(response) is None, name
    assert await scalar(database, "SELECT count(*) FROM payments WHERE user_id = :id", id=user.userId) == 0


# An authorized admin's refused change is audited as a malformed one is, under the answer's code.
async def test_aRefusedRoleChangeWritesNothingAndIsAudited(
    factory: AccountFactory, database: Database, client: httpx2.AsyncClient
) -> None:
    superadmin = await factory.create(["user", "admin", "superadmin"], "media-super")
    target = await factory.create(["user"], "media-target")
    for headers in REFUSED.values():
        response = await client.put(f"/api/admin/users/{target.userId}/roles", content=b'{"roles": ["user", "admin"]}',
                                    headers={**headers, "Authorization": f"Bearer {superadmin.adminToken}"})
        assert refusal(response) is None
    roles = await scalar(database, "SELECT array_agg(r.name) FROM user_roles ur JOIN roles r ON r.id = ur.role_id "
                                   "WHERE ur.user_id = :id", id=target.userId)
    assert roles == ["user"]
    audited = await scalar(database, "SELECT count(*) FROM audit_logs WHERE actor_id = :actor AND outcome = 'failure' "
                                     "AND target_id = :target AND details->>'code' = 'unsupported_media_type'",
                           actor=superadmin.userId, target=str(target.userId))
    assert audited == len(REFUSED)
