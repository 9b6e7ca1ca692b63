from __future__ import annotations

import base64
import json
from datetime import timedelta

import httpx2

from KSysAdmin.tests.adminSupport import AdminWorld
from shared.backend.database.modelSupport import utcNow
from shared.backend.utils.uuid import generateId


async def seedUsers(world: AdminWorld, domain: str, count: int, sameInstant: bool = False) -> list[str]:
    base = utcNow() - timedelta(hours=1)
    emails = []
    for index in range(count):
        # Several rows share a timestamp so that the id tie-breaker is exercised.
        createdAt = base if sameInstant else base + timedelta(seconds=index // 3)
        user = await world.createUser(email=f"p{index:03d}-{generateId().hex[-6:]}@{domain}", createdAt=createdAt)
        emails.append(user.email)
    return emails


async def pageThrough(
    world: AdminWorld, headers: dict[str, str], params: dict[str, str], between: int = 0, domain: str = ""
) -> tuple[list[str], int]:
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response: httpx2.Response = await world.client.get("/api/admin/users", params=query, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        seen.extend(item["email"] for item in body["items"])
        pages += 1
        cursor = body["nextCursor"]
        if cursor is None:
            return seen, pages
        # Concurrent writers: new accounts arrive between page requests.
        for _ in range(between):
            await world.createUser(email=f"new-{generateId().hex[-10:]}@{domain}")


async def test_newestFirstPagesSurviveConcurrentInserts(world: AdminWorld) -> None:
    _, headers = await world.adminToken()
    domain = f"{generateId().hex[-8:]}.page.test"
    emails = await seedUsers(world, domain, 23)
    seen, pages = await pageThrough(world, headers, {"emailPrefix": "p", "limit": "5", "sort": "-createdAt"},
                                    between=2, domain=domain)
    ours = [email for email in seen if email.endswith(domain)]
    assert sorted(ours) == sorted(emails) and len(ours) == len(set(ours))
    assert pages >= 5


async def test_sortByEmailAndPrefixSearch(world: AdminWorld) -> None:
    _, headers = await world.adminToken()
    domain = f"{generateId().hex[-8:]}.sort.test"
    emails = await seedUsers(world, domain, 11, sameInstant=True)
    for sort, expected in (("email", sorted(emails)), ("-email", sorted(emails, reverse=True)),
                           ("createdAt", None), ("-createdAt", None)):
        seen, _ = await pageThrough(world, headers, {"emailPrefix": "p0", "sort": sort, "limit": "4"})
        ours = [email for email in seen if email.endswith(domain)]
        if expected is not None:
            assert ours == expected
        else:
            assert sorted(ours) == sorted(emails) and len(set(ours)) == len(ours)
    exact = await world.client.get("/api/admin/users", params={"emailPrefix": emails[4].upper()}, headers=headers)
    assert [item["email"] for item in exact.json()["items"]] == [emails[4]]



# A prefix is compared with addresses as stored (NFC, lower case); one of spaces alone is refused, never a match-all.
async def test_emailPrefixIsNormalizedAndNeverBlank(world: AdminWorld) -> None:
    _, headers = await world.adminToken()
    user = await world.createUser(email=f"\u00e9lodie-{generateId().hex[-8:]}@example.com")
    decomposed = "E\u0301LODIE-"
    found = await world.client.get("/api/admin/users", params={"emailPrefix": decomposed}, headers=headers)
    assert found.status_code == 200 and user.email in [item["email"] for item in found.json()["items"]]
    for blank in ("   ", "\t"):
        refused = await world.client.get("/api/admin/users", params={"emailPrefix": blank}, headers=headers)
        assert refused.status_code == 422, refused.text
        error = refused.json()["error"]
        assert error["code"] == "validation_failed" and error["details"][0]["field"] == "emailPrefix"

async def test_filtersByStatusAndRole(world: AdminWorld) -> None:
    _, headers = await world.adminToken()
    domain = f"{generateId().hex[-8:]}.filter.test"
    locked = await world.createUser(email=f"locked@{domain}", status="locked")
    admin = await world.createUser(email=f"admin@{domain}", roles=("user", "admin"))
    await world.createUser(email=f"plain@{domain}")
    byStatus = await world.client.get("/api/admin/users", params={"status": "locked", "limit": "200"}, headers=headers)
    assert locked.email in [item["email"] for item in byStatus.json()["items"]]
    assert all(item["status"] == "locked" for item in byStatus.json()["items"])
    byRole = await world.client.get("/api/admin/users", params={"role": "admin", "emailPrefix": "admin@"},
                                    headers=headers)
    assert [item["email"] for item in byRole.json()["items"] if item["email"].endswith(domain)] == [admin.email]
    bad = await world.client.get("/api/admin/users", params={"status": "sleeping"}, headers=headers)
    assert bad.status_code == 422


async def test_invalidCursorsAreRefused(world: AdminWorld) -> None:
    _, headers = await world.adminToken()
    await seedUsers(world, f"{generateId().hex[-8:]}.cursor.test", 3)
    first = await world.client.get("/api/admin/users", params={"limit": "1"}, headers=headers)
    cursor = first.json()["nextCursor"]
    assert cursor
    for params in ({"cursor": "%%%"}, {"cursor": "e30"}, {"cursor": cursor, "sort": "email"}):
        response = await world.client.get("/api/admin/users", params=params, headers=headers)
        assert response.status_code == 422, params
        assert response.json()["error"]["code"] == "invalid_cursor"
    for limit in ("0", "201"):
        refused = await world.client.get("/api/admin/users", params={"limit": limit}, headers=headers)
        assert refused.status_code == 422, limit
    assert (await world.client.get("/api/admin/users", params={"limit": "200"}, headers=headers)).status_code == 200


# An email-sort value no stored address can hold (NUL, a lone surrogate, over 320 characters) never reaches SQL.
async def test_handMadeEmailCursorsAreRefused(world: AdminWorld) -> None:
    _, headers = await world.adminToken()
    for sort in ("email", "-email"):
        for value in ("a\ud800", "a\u0000b", "a" * 321):
            payload = json.dumps({"s": sort, "v": value, "i": str(generateId())}).encode()
            cursor = base64.urlsafe_b64encode(payload).decode().rstrip("=")
            response = await world.client.get("/api/admin/users", params={"sort": sort, "cursor": cursor},
                                              headers=headers)
            assert response.status_code == 422, (sort, repr(value), response.text)
            assert response.json()["error"]["code"] == "invalid_cursor", (sort, repr(value))


# A time with no UTC equivalent is refused as the client's mistake, never sent to the database.
async def test_outOfRangeTimesAreRefusedOnTheirField(world: AdminWorld) -> None:
    _, headers = await world.adminToken()
    extreme = "9999-12-31T23:59:59-14:00"
    for sort, path in (("-createdAt", "users"), ("-createdAt", "audit-logs"), ("-createdAt", "payments")):
        payload = json.dumps({"s": sort, "v": extreme, "i": str(generateId())}).encode()
        cursor = base64.urlsafe_b64encode(payload).decode().rstrip("=")
        response = await world.client.get(f"/api/admin/{path}", params={"cursor": cursor}, headers=headers)
        assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_cursor", path
    for path in ("audit-logs", "payments"):
        response = await world.client.get(f"/api/admin/{path}", params={"from": extreme}, headers=headers)
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "validation_failed" and error["details"][0]["field"] == "from"
        fine = await world.client.get(f"/api/admin/{path}", params={"from": "2026-01-01T00:00:00"}, headers=headers)
        assert fine.status_code == 200, fine.text


# A time filter is ISO 8601 text: a number (a compact date among them) would be read as a Unix time, from 1970.
async def test_timeFiltersRefuseNumbers(world: AdminWorld) -> None:
    _, headers = await world.adminToken()
    for path in ("audit-logs", "payments"):
        for field, value in (("from", "20261201"), ("to", "1796601600"), ("from", "1.5e9"), ("to", "-1")):
            response = await world.client.get(f"/api/admin/{path}", params={field: value}, headers=headers)
            assert response.status_code == 422, (path, field, value, response.text)
            error = response.json()["error"]
            assert error["code"] == "validation_failed" and error["details"][0]["field"] == field
        for value in ("2026-12-01", "2026-12-01T00:00:00+07:00"):
            fine = await world.client.get(f"/api/admin/{path}", params={"from": value, "to": value}, headers=headers)
            assert fine.status_code == 200, fine.text
