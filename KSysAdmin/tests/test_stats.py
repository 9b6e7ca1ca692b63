from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from KSysAdmin.backend.domain.dailyStats import USER_LOGIN_ACTION
from KSysAdmin.backend.domain.models.auditLog import AuditLog
from KSysAdmin.backend.domain.models.payment import Payment
from KSysAdmin.tests.adminSupport import AdminWorld
from shared.backend.database.modelSupport import utcNow
from shared.backend.security.jwtCodec import JwtCodec
from shared.backend.utils.uuid import generateId

URL = "/api/admin/stats/daily"
FIELDS = ("signups", "logins", "failedLogins", "payments", "paidAmount")
LOGIN_SOURCE = Path(__file__).resolve().parents[2] / "KAuthApp/backend/application/loginUser.py"
Day = dict[str, object]


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), UTC)


def byDate(body: dict[str, list[Day]]) -> dict[str, Day]:
    return {str(row["date"]): row for row in body["days"]}


def delta(before: dict[str, Day], after: dict[str, Day], day: date) -> dict[str, int]:
    key = day.isoformat()
    return {field: int(str(after[key][field])) - int(str(before[key][field])) for field in FIELDS}


async def seedAudit(world: AdminWorld, rows: list[tuple[str, str, datetime]]) -> None:
    async with world.database.sessionFactory() as session:
        for action, outcome, createdAt in rows:
            session.add(AuditLog(actorType="user", action=action, outcome=outcome, createdAt=createdAt,
                                 targetType="user", targetId=str(generateId())))
        await session.commit()


async def seedPayments(world: AdminWorld, userId: uuid.UUID, rows: list[tuple[int, datetime, datetime | None]]) -> None:
    async with world.database.sessionFactory() as session:
        for amount, createdAt, paidAt in rows:
            session.add(Payment(
                userId=userId, amount=amount, method="briva", status="paid" if paidAt else "pending",
                idempotencyKey=generateId().hex, requestHash="h", partnerReferenceNo=generateId().hex,
                expiresAt=createdAt + timedelta(hours=1), paidAt=paidAt, createdAt=createdAt,
            ))
        await session.commit()


def test_loginActionMatchesKAuthApp() -> None:
    # KAuthApp may not be imported from here: its constant is read from the source instead.
    found = re.search(r'^ACTION = "([^"]+)"$', LOGIN_SOURCE.read_text(), re.MULTILINE)
    assert found is not None and found.group(1) == USER_LOGIN_ACTION


async def test_dailyCountsEveryFieldByUtcDay(world: AdminWorld) -> None:
    _, headers = await world.adminToken()
    today = utcNow().date()
    day5, day4, day3, day2 = (today - timedelta(days=offset) for offset in (5, 4, 3, 2))
    before = byDate((await world.client.get(URL, params={"days": "7"}, headers=headers)).json())
    owner = await world.createUser(createdAt=at(day5, 0, 0, 0))
    await world.createUser(createdAt=at(day5, 23, 59, 59))
    await world.createUser(createdAt=at(day3, 12))
    await seedAudit(world, [
        (USER_LOGIN_ACTION, "success", at(day5, 8)),
        (USER_LOGIN_ACTION, "success", at(day5, 9)),
        (USER_LOGIN_ACTION, "failure", at(day5, 10)),
        (USER_LOGIN_ACTION, "failure", at(day3, 23, 59, 59)),
        (USER_LOGIN_ACTION, "failure", at(day2, 0, 0, 0)),
        ("admin.login", "success", at(day3, 1)),
        ("admin.login", "failure", at(day3, 2)),
        ("auth.lockout", "success", at(day3, 3)),
        ("auth.register", "success", at(day5, 4)),
    ])
    await seedPayments(world, owner.id, [
        (10_000, at(day5, 23, 30), at(day3, 0, 10)),
        (25_000, at(day5, 6), None),
        (7_000, at(day3, 5), at(day3, 6)),
        (3_000, at(day2, 23, 59, 59), at(day2, 23, 59, 59)),
    ])
    after = byDate((await world.client.get(URL, params={"days": "7"}, headers=headers)).json())
    assert delta(before, after, day5) == {"signups": 2, "logins": 2, "failedLogins": 1, "payments": 2,
                                          "paidAmount": 0}
    assert delta(before, after, day4) == dict.fromkeys(FIELDS, 0)
    assert delta(before, after, day3) == {"signups": 1, "logins": 0, "failedLogins": 1, "payments": 1,
                                          "paidAmount": 17_000}
    assert delta(before, after, day2) == {"signups": 0, "logins": 0, "failedLogins": 1, "payments": 1,
                                          "paidAmount": 3_000}
    for offset in (6, 1, 0):
        assert delta(before, after, today - timedelta(days=offset)) == dict.fromkeys(FIELDS, 0)


async def test_everyDayPresentOldestFirst(world: AdminWorld) -> None:
    _, headers = await world.adminToken()
    today = utcNow().date()
    for days, expected in ((None, 30), ("1", 1), ("7", 7), ("366", 366)):
        params = {"days": days} if days else {}
        response = await world.client.get(URL, params=params, headers=headers)
        assert response.status_code == 200, response.text
        rows = response.json()["days"]
        assert [row["date"] for row in rows] == [
            (today - timedelta(days=offset)).isoformat() for offset in range(expected - 1, -1, -1)
        ]
        assert all(set(row) == {"date", *FIELDS} and all(isinstance(row[field], int) for field in FIELDS)
                   for row in rows)


async def test_daysOutsideBoundsAre422(world: AdminWorld) -> None:
    _, headers = await world.adminToken()
    for days in ("0", "-1", "367", "abc"):
        response = await world.client.get(URL, params={"days": days}, headers=headers)
        assert response.status_code == 422, f"{days}: {response.text}"
        assert response.json()["error"]["requestId"]


async def test_needsAnAdminToken(world: AdminWorld) -> None:
    user = await world.createUser()
    codec = JwtCodec(world.settings.jwt)
    userToken, _ = codec.issue(str(user.id), str(generateId()), ["user"], world.settings.jwt.userAudience, 300)
    assert (await world.client.get(URL)).status_code == 401
    refused = await world.client.get(URL, headers={"Authorization": f"Bearer {userToken}"})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_token"
    _, plainAdmin = await world.adminToken(superadmin=False)
    assert (await world.client.get(URL, headers=plainAdmin)).status_code == 200
