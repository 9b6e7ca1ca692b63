from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx2
import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from starlette.types import ASGIApp

from KAuthApp.backend.domain.models.session import Session
from KAuthApp.backend.infrastructure.database.sessionRepository import SessionRepository
from KAuthApp.tests.authTestSupport import (
    PASSWORD,
    ageLastUse,
    bearer,
    login,
    registerVerified,
    runSql,
    sessionIdOf,
    userIdOf,
)
from KAuthApp.tests.rawAsgi import answerAndWork
from shared.backend.config.settings import AppSettings
from shared.backend.database.engine import Database
from shared.backend.loggingFactory import configureLogging

COOKIE = "kauth_refresh"
# A page on a sibling subdomain: the same site, so SameSite=Strict still sends the refresh cookie.
SIBLING = {"Origin": "https://evil.localhost", "Sec-Fetch-Site": "same-site"}


# A login sent with the given refresh cookie and nothing else in the client's jar; the jar is left empty.
async def loginWithCookie(client: httpx2.AsyncClient, body: dict[str, str], cookie: str) -> httpx2.Response:
    client.cookies.clear()
    answer = await client.post("/api/auth/login", json=body, headers={"Cookie": f"{COOKIE}={cookie}"})
    client.cookies.clear()
    return answer


# The audit rows whose target is the account: (action, outcome, actor id, details).
async def auditOf(database: Database, address: str) -> list[tuple[str, str, str | None, dict[str, object]]]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(text(
            "SELECT a.action, a.outcome, a.actor_id::text, a.details::text FROM audit_logs a "
            "JOIN users u ON a.target_id = u.id::text WHERE u.email = :email ORDER BY a.created_at, a.id"
        ), {"email": address.lower()})
        return [(action, outcome, actor, json.loads(details)) for action, outcome, actor, details in rows.all()]


# Every audit row of the account but its sign-ins.
async def auditBesideLogins(database: Database, address: str) -> list[tuple[str, str, dict[str, object]]]:
    return [(action, outcome, details) for action, outcome, _, details in await auditOf(database, address)
            if action != "auth.login"]


async def revocation(database: Database, tokens: dict[str, str]) -> tuple[object, str | None]:
    async with database.engine.connect() as connection:
        row = (await connection.execute(text("SELECT revoked_at, revoked_reason FROM sessions WHERE id = :id"),
                                        {"id": sessionIdOf(tokens)})).one()
        return row[0], row[1]


async def live(client: httpx2.AsyncClient, tokens: dict[str, str]) -> bool:
    return (await client.get("/api/auth/me", headers=bearer(tokens))).status_code == 200


# A browser signs in again over its own cookie: the session of that cookie, which no browser holds any more, ends
# (before, it stayed listed and refreshable until its token expired), audited as a logout with the reason. The new
# session works.
async def test_aSignInEndsTheSessionOfTheCookieItReplaces(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, redisClient: Redis
) -> None:
    address = await registerVerified(client, outboxDir)
    first = await login(client, address)
    assert client.cookies.get(COOKIE) == first["refreshToken"]
    answer = await client.post("/api/auth/login", json={"email": address, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    second = answer.json()
    assert client.cookies.get(COOKIE) == second["refreshToken"]
    listed = (await client.get("/api/auth/sessions", headers=bearer(second))).json()["sessions"]
    assert [item["id"] for item in listed] == [sessionIdOf(second)]
    assert not await live(client, first)
    assert not await redisClient.exists(f"kauth:session:{sessionIdOf(first)}")
    assert (await client.post("/api/auth/refresh", json={"refreshToken": first["refreshToken"]})).status_code == 401
    assert (await revocation(database, first))[1] == "replaced_by_login"
    userId = str(await userIdOf(database, address))
    ended = [(actor, details) for action, outcome, actor, details in await auditOf(database, address)
             if (action, outcome) == ("auth.logout", "success")]
    assert ended == [(userId, {"sessionId": sessionIdOf(first), "reason": "replaced_by_login"})]
    assert await live(client, second)
    assert (await client.post("/api/auth/refresh")).status_code == 200
    client.cookies.clear()


# The cookie of another account's session (a shared browser): that session ends all the same, audited against its own
# account, the new sign-in's user as the actor.
async def test_aSignInEndsAnotherAccountsSessionOfTheCookie(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    before, after = await registerVerified(client, outboxDir), await registerVerified(client, outboxDir)
    earlier = await login(client, before)
    client.cookies.clear()
    answer = await loginWithCookie(client, {"email": after, "password": PASSWORD}, earlier["refreshToken"])
    assert answer.status_code == 200, answer.text
    assert not await live(client, earlier)
    assert await live(client, answer.json())
    ended = [(actor, details) for action, outcome, actor, details in await auditOf(database, before)
             if action == "auth.logout"]
    assert ended == [(str(await userIdOf(database, after)),
                      {"sessionId": sessionIdOf(earlier), "reason": "replaced_by_login"})]


# A cookie that is not its session's current token is an old cookie, not an attack: the sign-in ends nothing and
# audits nothing. A rotated one (used past the rotation grace) must not count as reuse, which would end its family.
@pytest.mark.parametrize("kind", ["rotated", "forged", "ended", "expired", "unknown", "garbage"])
async def test_aStaleCookieEndsNothing(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, kind: str
) -> None:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    client.cookies.clear()
    cookie = tokens["refreshToken"]
    if kind == "rotated":
        tokens = (await client.post("/api/auth/refresh", json={"refreshToken": cookie})).json()
        client.cookies.clear()
        await ageLastUse(database, tokens)
    elif kind == "forged":
        cookie = f"{uuid.UUID(sessionIdOf(tokens)).hex}.{'A' * 43}.{cookie.rsplit('.', 1)[1]}"
    elif kind == "ended":
        assert (await client.post("/api/auth/logout", json={"refreshToken": cookie})).status_code == 204
        client.cookies.clear()
    elif kind == "expired":
        await runSql(database, "UPDATE sessions SET idle_expires_at = now() - interval '1 second' "
                               "WHERE user_id = :id", await userIdOf(database, address))
    elif kind == "unknown":
        cookie = f"{uuid.uuid4().hex}.{cookie.split('.', 1)[1]}"
    else:
        cookie = "not-a-refresh-token"
    stateBefore = await revocation(database, tokens)
    auditBefore = await auditBesideLogins(database, address)
    answer = await loginWithCookie(client, {"email": address, "password": PASSWORD}, cookie)
    assert answer.status_code == 200, answer.text
    assert await revocation(database, tokens) == stateBefore
    assert await auditBesideLogins(database, address) == auditBefore
    assert await live(client, answer.json())
    if kind in ("rotated", "forged", "unknown", "garbage"):
        assert await live(client, tokens)
        refreshed = await client.post("/api/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
        assert refreshed.status_code == 200, refreshed.text
    client.cookies.clear()


# A refused sign-in ends nothing: wrong password (the cookie's account or another), MFA required, an unverified
# account. Nor does a sibling page's login: a JSON body needs a CORS preflight, which an origin off the CORS list
# fails, and the body it can send without one is refused 415 before any work (the reason the login checks no origin).
@pytest.mark.parametrize("attempt", ["wrong_password", "other_wrong_password", "mfa_required", "unverified",
                                     "sibling_plain_text"])
async def test_aRefusedSignInEndsNothing(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database, attempt: str
) -> None:
    address, other = await registerVerified(client, outboxDir), await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    client.cookies.clear()
    auditBefore = await auditBesideLogins(database, address)
    body, status = {"email": address, "password": "not the password 1"}, 401
    if attempt == "other_wrong_password":
        body["email"] = other
    elif attempt == "mfa_required":
        await runSql(database, "UPDATE users SET mfa_enabled = true WHERE id = :id", await userIdOf(database, other))
        body = {"email": other, "password": PASSWORD}
    elif attempt == "unverified":
        await runSql(database, "UPDATE users SET email_verified_at = NULL, status = 'pending_verification' "
                               "WHERE id = :id", await userIdOf(database, other))
        body, status = {"email": other, "password": PASSWORD}, 403
    if attempt == "sibling_plain_text":
        preflight = await client.options("/api/auth/login", headers={
            "Origin": SIBLING["Origin"], "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"})
        assert preflight.status_code == 400
        answer = await client.post("/api/auth/login", content=json.dumps({"email": address, "password": PASSWORD}),
                                   headers={"Cookie": f"{COOKIE}={tokens['refreshToken']}",
                                            "Content-Type": "text/plain", **SIBLING})
        client.cookies.clear()
        status = 415
    else:
        answer = await loginWithCookie(client, body, tokens["refreshToken"])
    assert answer.status_code == status, answer.text
    assert await revocation(database, tokens) == (None, None)
    assert await auditBesideLogins(database, address) == auditBefore
    assert await live(client, tokens)


# The ending waits for no one: no statement of it runs before the answer's last byte; and a failure of it (here the
# database) leaves the sign-in standing and the session as it was, logged without the token.
async def rawLogin(app: ASGIApp, address: str, cookie: str) -> tuple[int, list[str], list[str]]:
    status, _, beforeAnswer, statements = await answerAndWork(
        app, "/api/auth/login", {"email": address, "password": PASSWORD}, ((b"cookie", f"{COOKIE}={cookie}".encode()),))
    return status, beforeAnswer, statements


async def test_theEndingRunsAfterTheAnswer(
    rawApp: ASGIApp, client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    client.cookies.clear()
    status, beforeAnswer, statements = await rawLogin(rawApp, address, tokens["refreshToken"])
    assert status == 200
    assert not [statement for statement in beforeAnswer if statement.startswith("UPDATE sessions")]
    assert [statement for statement in statements if statement.startswith("UPDATE sessions")]
    assert (await revocation(database, tokens))[1] == "replaced_by_login"


async def test_aFailedEndingLeavesTheSignInStanding(
    rawApp: ASGIApp, client: httpx2.AsyncClient, outboxDir: Path, database: Database,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    client.cookies.clear()
    getById = SessionRepository.getById

    async def failing(self: SessionRepository, id: uuid.UUID, forUpdate: bool = False) -> Session | None:
        if str(id) == sessionIdOf(tokens):
            raise ConnectionRefusedError("database unreachable")
        return await getById(self, id, forUpdate)

    configureLogging(AppSettings(APP_ENV="test", LOG_FORMAT="json"))  # type: ignore[call-arg]
    capsys.readouterr()
    monkeypatch.setattr(SessionRepository, "getById", failing)
    status, _, _ = await rawLogin(rawApp, address, tokens["refreshToken"])
    monkeypatch.undo()
    output = capsys.readouterr().out
    assert status == 200
    failures = [json.loads(line) for line in output.splitlines()
                if line.startswith("{") and json.loads(line).get("label") == "after_response_failed"]
    assert len(failures) == 1 and failures[0]["path"] == "/api/auth/login"
    assert tokens["refreshToken"] not in output and tokens["refreshToken"].split(".")[1] not in output
    assert await revocation(database, tokens) == (None, None)
    assert await live(client, tokens)
