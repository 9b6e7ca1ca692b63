from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from redis.asyncio.client import PubSub
from sqlalchemy import select

from admin_server import createAdminApp
from KSysAdmin.backend.application.settingsInput import checkOrigin
from KSysAdmin.backend.domain.models.auditLog import AuditLog
from KSysAdmin.backend.infrastructure.background.settingsWatch import WATCH_LOCK_KEY
from KSysAdmin.backend.infrastructure.redis.settingsPublisher import RedisSettingsPublisher
from KSysAdmin.tests.adminSupport import AdminWorld
from shared.backend.database.advisoryLock import advisoryLock
from tests.support.inProcess import runningApp

CORS_KEY = "ksysadmin:settings:cors"
LIMITS_KEY = "ksysadmin:settings:rate-limits"
CHANNEL = "ksysadmin:settings"
RULES: list[dict[str, object]] = [
    {"routeGroup": "auth-login", "scope": "ip", "limit": 10, "windowSeconds": 60, "failMode": "closed",
     "enabled": True},
    {"routeGroup": "payment", "scope": "user", "limit": 500, "windowSeconds": 60, "failMode": "open",
     "enabled": False},
]


async def currentVersion(world: AdminWorld, headers: dict[str, str], name: str) -> int:
    response = await world.client.get(f"/api/admin/settings/{name}", headers=headers)
    assert response.status_code == 200, response.text
    return int(response.json()["version"])


async def nextMessage(pubsub: PubSub) -> str:
    async with asyncio.timeout(2):
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.1)
            if message is not None:
                return str(message["data"])


async def test_rateLimitsArePublishedWithVersion(world: AdminWorld) -> None:
    superadmin, headers = await world.adminToken(superadmin=True)
    version = await currentVersion(world, headers, "rate-limits")
    pubsub = world.redis.pubsub()
    await pubsub.subscribe(CHANNEL)
    try:
        response = await world.client.put("/api/admin/settings/rate-limits", json={"version": version, "rules": RULES},
                                          headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["version"] == version + 1
        assert await nextMessage(pubsub) == LIMITS_KEY
    finally:
        await pubsub.unsubscribe(CHANNEL)
        await pubsub.aclose()
    published = json.loads(await world.redis.get(LIMITS_KEY))
    assert published == {"version": version + 1, "rules": RULES}
    stored = (await world.client.get("/api/admin/settings/rate-limits", headers=headers)).json()
    assert stored["version"] == version + 1 and stored["updatedBy"] == str(superadmin.id)
    assert sorted(stored["rules"], key=lambda rule: rule["routeGroup"]) == RULES
    entries = await world.auditEntries("settings.rate_limits_update", "rate-limits")
    assert entries[-1].actorId == superadmin.id and entries[-1].details["version"] == version + 1


# Both the first write (an insert at version 0) and later ones (updates) refuse a version already replaced.
async def test_staleVersionIsRefused(world: AdminWorld) -> None:
    _, headers = await world.adminToken(superadmin=True)
    version = await currentVersion(world, headers, "cors")
    for step in (0, 1):
        body = {"version": version + step, "origins": [f"https://step{step}.example.com"]}
        assert (await world.client.put("/api/admin/settings/cors", json=body, headers=headers)).status_code == 200
        stale = await world.client.put("/api/admin/settings/cors", json=body, headers=headers)
        assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"
    published = json.loads(await world.redis.get(CORS_KEY))
    assert published == {"version": version + 2, "origins": ["https://step1.example.com"]}


async def test_invalidSettingsNameTheField(world: AdminWorld) -> None:
    _, headers = await world.adminToken(superadmin=True)
    version = await currentVersion(world, headers, "rate-limits")
    before = await world.redis.get(LIMITS_KEY)
    for field, value in (("windowSeconds", 0), ("windowSeconds", 86_401), ("limit", 0), ("limit", 1_000_001)):
        response = await world.client.put("/api/admin/settings/rate-limits", headers=headers,
                                          json={"version": version, "rules": [RULES[1], {**RULES[0], field: value}]})
        assert response.status_code == 422, (field, value)
        assert [detail["field"] for detail in response.json()["error"]["details"]] == [f"rules.1.{field}"]
    duplicate = await world.client.put("/api/admin/settings/rate-limits",
                                       json={"version": version, "rules": [RULES[0], RULES[0]]}, headers=headers)
    assert duplicate.status_code == 422
    assert duplicate.json()["error"]["details"][0]["field"] == "rules.1.routeGroup"
    stringly = await world.client.put("/api/admin/settings/rate-limits",
                                      json={"version": version, "rules": [{**RULES[0], "limit": "10"}]},
                                      headers=headers)
    assert stringly.status_code == 422
    for origin in ("*", "https://*.example.com", "ftp://x.example.com", "https://x.example.com/path", "example.com",
                   "https://exa mple.com", "https://a.example.com:", "https://bücher.example", "https://-a.example.com",
                   "https://a.example.com:99999"):
        bad = await world.client.put("/api/admin/settings/cors", json={"version": 0, "origins": [origin]},
                                     headers=headers)
        assert bad.status_code == 422, origin
        assert bad.json()["error"]["details"][0]["field"] == "origins.0"
    assert await currentVersion(world, headers, "rate-limits") == version
    assert await world.redis.get(LIMITS_KEY) == before


async def test_storedSettingsAreRepublishedOnStartup(world: AdminWorld) -> None:
    _, headers = await world.adminToken(superadmin=True)
    version = await currentVersion(world, headers, "cors")
    body = {"version": version, "origins": ["https://two.example.com", "http://localhost:5173"]}
    assert (await world.client.put("/api/admin/settings/cors", json=body, headers=headers)).status_code == 200
    expected = await world.redis.get(CORS_KEY)
    await world.redis.delete(CORS_KEY)
    async with runningApp(createAdminApp(world.settings)):
        assert await world.redis.get(CORS_KEY) == expected


# In production, as for CORS_ORIGINS at startup: a page served over http could be rewritten in transit and then
# read credentialed answers. The refusal is audited and changes nothing.
async def test_productionRefusesPlainHttpOrigins(world: AdminWorld) -> None:
    _, headers = await world.adminToken(superadmin=True)
    version = await currentVersion(world, headers, "cors")
    before = await world.redis.get(CORS_KEY)
    production = dataclasses.replace(world.settings, app=world.settings.app.model_copy(update={"env": "production"}))
    async with runningApp(createAdminApp(production)) as client:
        origins = ["https://shop.example.com", "http://shop.example.com"]
        refused = await client.put("/api/admin/settings/cors", json={"version": version, "origins": origins},
                                   headers=headers)
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["code"] == "invalid_setting"
        assert refused.json()["error"]["details"] == [
            {"field": "origins", "message": "http://shop.example.com must be an https:// origin in production"}]
        assert (await world.auditEntries("settings.cors_update", "cors"))[-1].outcome == "failure"
        assert await currentVersion(world, headers, "cors") == version
        # Nothing published: Redis holds what it held, or the stored version the stack's admin server republishes
        # when an earlier test left the key missing.
        published = await world.redis.get(CORS_KEY)
        assert published == before or json.loads(published)["version"] == version
        accepted = await client.put("/api/admin/settings/cors", json={"version": version, "origins": origins[:1]},
                                    headers=headers)
        assert accepted.status_code == 200, accepted.text


async def test_updateAuditsRecordThePreviousValue(world: AdminWorld) -> None:
    _, headers = await world.adminToken(superadmin=True)
    for origins in (["https://first.example.com"], ["https://second.example.com"]):
        version = await currentVersion(world, headers, "cors")
        response = await world.client.put("/api/admin/settings/cors", json={"version": version, "origins": origins},
                                          headers=headers)
        assert response.status_code == 200, response.text
    cors = (await world.auditEntries("settings.cors_update", "cors"))[-1].details
    assert cors["from"] == ["https://first.example.com"] and cors["to"] == ["https://second.example.com"]
    for rules in (RULES[:1], RULES[1:]):
        version = await currentVersion(world, headers, "rate-limits")
        response = await world.client.put("/api/admin/settings/rate-limits", json={"version": version, "rules": rules},
                                          headers=headers)
        assert response.status_code == 200, response.text
    limits = (await world.auditEntries("settings.rate_limits_update", "rate-limits"))[-1].details
    assert limits["from"] == RULES[:1] and limits["rules"] == RULES[1:]


# The shared admin app's settings watch (every 5 s) publishes PostgreSQL's version over a document it does not hold:
# a test that plants one holds the watch's lock meanwhile, so that no pass runs in between.
@asynccontextmanager
async def watchPaused(world: AdminWorld) -> AsyncIterator[None]:
    for _ in range(100):
        async with advisoryLock(world.database.engine, WATCH_LOCK_KEY) as acquired:
            if acquired:
                yield
                return
        await asyncio.sleep(0.05)
    raise AssertionError("the settings watch kept its lock for 5 s")


# A publish that lands after a newer one (two PUTs close together) must not put the older version back.
async def test_anOlderVersionIsNotPublishedOverANewerOne(world: AdminWorld) -> None:
    _, headers = await world.adminToken(superadmin=True)
    version = await currentVersion(world, headers, "cors")
    newer = {"version": version + 5, "origins": ["https://newer.example.com"]}
    async with watchPaused(world):
        await world.redis.set(CORS_KEY, json.dumps(newer))
        try:
            response = await world.client.put("/api/admin/settings/cors",
                                              json={"version": version, "origins": ["https://older.example.com"]},
                                              headers=headers)
            assert response.status_code == 200, response.text
            assert json.loads(await world.redis.get(CORS_KEY)) == newer
            # The startup republish writes what PostgreSQL holds, whatever Redis has.
            publisher = RedisSettingsPublisher(world.redis)
            assert await publisher.publish("cors", {"version": version + 1, "origins": []}, force=True)
            assert json.loads(await world.redis.get(CORS_KEY)) == {"version": version + 1, "origins": []}
        finally:
            await world.redis.delete(CORS_KEY)


# Stored as a browser sends Origin, so that a configured origin matches: default ports dropped, lower case.
def test_originsAreStoredAsBrowsersSendThem() -> None:
    assert checkOrigin("HTTPS://App.Example.com:443") == "https://app.example.com"
    assert checkOrigin("http://LOCALHOST:80") == "http://localhost"
    assert checkOrigin("http://localhost:5173") == "http://localhost:5173"
    assert checkOrigin("http://[::1]:8080") == "http://[::1]:8080"
    assert checkOrigin("https://xn--bcher-kva.example") == "https://xn--bcher-kva.example"
    assert checkOrigin("http://[0:0::1]:8080") == "http://[::1]:8080"
    assert checkOrigin("https://10.0.0.1") == "https://10.0.0.1"


# Hosts a browser would write differently, so the stored origin would never match: refused, naming the problem.
@pytest.mark.parametrize(("origin", "problem"), [
    ("https://010.0.0.1", "dotted decimal"), ("https://0x7f.1", "dotted decimal"), ("https://10.1", "dotted decimal"),
    ("https://app.123", "dotted decimal"), ("http://[fe80::1%25eth0]", "zone"), ("http://[1::2::3]", "IPv6"),
    ("https://app.example.com:0", "invalid port"),
])
def test_originsABrowserWritesDifferentlyAreRefused(origin: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        checkOrigin(origin)


# The version is an int4 column: a version past it reached PostgreSQL and was answered 503 "database unavailable",
# unaudited. It is refused as a field error, the stored setting unchanged. The highest version accepted is one
# whose successor still fits.
async def test_hugeVersionIsAFieldError(world: AdminWorld) -> None:
    admin, headers = await world.adminToken(superadmin=True)
    bodies = {"cors": {"origins": []}, "rate-limits": {"rules": []}}
    for name, body in bodies.items():
        before = (await world.client.get(f"/api/admin/settings/{name}", headers=headers)).json()
        for version in (2**31 - 1, 3_000_000_000, 2**63):
            response = await world.client.put(f"/api/admin/settings/{name}", json={"version": version, **body},
                                              headers=headers)
            assert response.status_code == 422, (name, version, response.text)
            assert [detail["field"] for detail in response.json()["error"]["details"]] == ["version"], response.text
        assert (await world.client.get(f"/api/admin/settings/{name}", headers=headers)).json() == before
        highest = await world.client.put(f"/api/admin/settings/{name}", json={"version": 2**31 - 2, **body},
                                         headers=headers)
        assert highest.status_code == 409 and highest.json()["error"]["code"] == "stale_version"
    async with world.database.sessionFactory() as session:
        statement = select(AuditLog.action, AuditLog.details).where(AuditLog.actorId == admin.id,
                                                                    AuditLog.outcome == "failure")
        refusals = (await session.execute(statement)).all()
    assert sorted(action for action, details in refusals if details.get("fields") == ["version"]) == [
        "PUT /settings/cors"] * 3 + ["PUT /settings/rate-limits"] * 3


# The admin group also limits the PUT that would undo a rule: one stricter than 30 requests per 60 s could lock
# every admin out, so it is refused on its limit, naming the floor.
async def test_adminGroupHasAFloor(world: AdminWorld) -> None:
    _, headers = await world.adminToken(superadmin=True)
    version = await currentVersion(world, headers, "rate-limits")
    admin = {"routeGroup": "admin", "scope": "ip", "failMode": "open", "enabled": True}
    for limit, window in ((1, 86_400), (29, 60), (1, 3)):
        response = await world.client.put("/api/admin/settings/rate-limits", headers=headers, json={
            "version": version, "rules": [RULES[0], {**admin, "limit": limit, "windowSeconds": window}]})
        assert response.status_code == 422, (limit, window, response.text)
        [detail] = response.json()["error"]["details"]
        assert detail["field"] == "rules.1.limit" and "30 requests per 60 seconds" in detail["message"]
    assert await currentVersion(world, headers, "rate-limits") == version
    disabled = {**admin, "limit": 1, "windowSeconds": 86_400, "enabled": False}
    for rule in ({**admin, "limit": 30, "windowSeconds": 60}, {**admin, "limit": 1, "windowSeconds": 2}, disabled):
        accepted = await world.client.put("/api/admin/settings/rate-limits", headers=headers,
                                          json={"version": version, "rules": [rule]})
        assert accepted.status_code == 200, (rule, accepted.text)
        version += 1


# The admin-login group carries the console's sign-in (two requests with MFA, one more per typo): a rule below 5
# requests per 60 s, or below 5 in its own window, could keep every admin out, so it is refused like the admin
# group's floor and audited as failed.
async def test_adminLoginGroupHasAFloor(world: AdminWorld) -> None:
    _, headers = await world.adminToken(superadmin=True)
    version = await currentVersion(world, headers, "rate-limits")
    login = {"routeGroup": "admin-login", "scope": "ip", "failMode": "closed", "enabled": True}
    audited = len(await world.auditEntries("settings.rate_limits_update", "rate-limits"))
    refused = ((1, 86_400), (4, 60), (4, 1), (10, 121))
    for limit, window in refused:
        response = await world.client.put("/api/admin/settings/rate-limits", headers=headers, json={
            "version": version, "rules": [RULES[0], {**login, "limit": limit, "windowSeconds": window}]})
        assert response.status_code == 422, (limit, window, response.text)
        assert response.json()["error"]["code"] == "invalid_setting"
        [detail] = response.json()["error"]["details"]
        assert detail["field"] == "rules.1.limit" and "5 requests per 60 seconds" in detail["message"]
    assert await currentVersion(world, headers, "rate-limits") == version
    entries = (await world.auditEntries("settings.rate_limits_update", "rate-limits"))[audited:]
    assert [(entry.outcome, entry.details) for entry in entries] == [
        ("failure", {"code": "invalid_setting"})] * len(refused)
    disabled = {**login, "limit": 1, "windowSeconds": 86_400, "enabled": False}
    enough = [{**login, "limit": limit, "windowSeconds": window} for limit, window in ((5, 60), (5, 1), (10, 120))]
    for rule in (*enough, disabled):
        accepted = await world.client.put("/api/admin/settings/rate-limits", headers=headers,
                                          json={"version": version, "rules": [rule]})
        assert accepted.status_code == 200, (rule, accepted.text)
        version += 1
