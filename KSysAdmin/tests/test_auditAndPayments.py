from __future__ import annotations

from datetime import timedelta

import httpx2

from KSysAdmin.backend.domain.models.payment import Payment
from KSysAdmin.backend.domain.models.paymentEvent import PaymentEvent
from KSysAdmin.tests.adminSupport import AdminWorld
from shared.backend.database.modelSupport import utcNow
from shared.backend.utils.uuid import generateId


async def test_auditLogFiltersAndKeyset(world: AdminWorld) -> None:
    admin, headers = await world.adminToken()
    since = utcNow()
    targets = [await world.createUser() for _ in range(5)]
    for target in targets:
        await world.client.post(f"/api/admin/users/{target.id}/lock", headers=headers)
        await world.client.post(f"/api/admin/users/{target.id}/unlock", headers=headers)
    seen = []
    cursor = None
    while True:
        params = {"actorId": str(admin.id), "action": "user.lock", "limit": "2"}
        if cursor:
            params["cursor"] = cursor
        body = (await world.client.get("/api/admin/audit-logs", params=params, headers=headers)).json()
        seen.extend(body["items"])
        cursor = body["nextCursor"]
        if cursor is None:
            break
    assert [item["targetId"] for item in seen] == [str(target.id) for target in reversed(targets)]
    assert all(item["actorId"] == str(admin.id) and item["outcome"] == "success" for item in seen)
    byTarget = await world.client.get(
        "/api/admin/audit-logs", params={"targetType": "user", "targetId": str(targets[0].id)}, headers=headers
    )
    assert [item["action"] for item in byTarget.json()["items"]] == ["user.unlock", "user.lock"]
    # The same id in upper case, as actorId takes it: not a silent empty list.
    upper = await world.client.get(
        "/api/admin/audit-logs", params={"targetType": "user", "targetId": str(targets[0].id).upper()}, headers=headers
    )
    assert upper.json()["items"] == byTarget.json()["items"]
    # A target id alone would match no index (they lead with target_type): refused, not a scan of the whole log.
    alone = await world.client.get("/api/admin/audit-logs", params={"targetId": str(targets[0].id)}, headers=headers)
    assert alone.status_code == 422, alone.text
    error = alone.json()["error"]
    assert error["code"] == "validation_failed" and [item["field"] for item in error["details"]] == ["targetType"]
    window = {"actorId": str(admin.id), "from": since.isoformat(), "to": (since - timedelta(seconds=1)).isoformat()}
    empty = await world.client.get("/api/admin/audit-logs", params=window, headers=headers)
    assert empty.json()["items"] == []
    recent = {"actorId": str(admin.id), "from": since.isoformat(), "limit": "200"}
    assert len((await world.client.get("/api/admin/audit-logs", params=recent, headers=headers)).json()["items"]) == 10


async def seedPayments(world: AdminWorld, userId: object, count: int) -> list[Payment]:
    payments = []
    async with world.database.sessionFactory() as session:
        for index in range(count):
            payment = Payment(
                userId=userId, amount=10_000 + index, method="briva" if index % 2 else "qris",
                status="paid" if index % 3 == 0 else "pending", idempotencyKey=generateId().hex,
                requestHash="h", partnerReferenceNo=generateId().hex, expiresAt=utcNow() + timedelta(hours=1),
            )
            session.add(payment)
            payments.append(payment)
        await session.flush()
        session.add(PaymentEvent(paymentId=payments[0].id, kind="va_notification", dedupeKey=generateId().hex,
                                 raw={"paymentRequestId": "x"}, signatureValid=True, outcome="settled"))
        await session.commit()
    return payments


async def test_paymentListDetailAndSummary(world: AdminWorld) -> None:
    _, headers = await world.adminToken()
    owner = await world.createUser()
    payments = await seedPayments(world, owner.id, 7)
    listed = await world.client.get("/api/admin/payments", params={"userId": str(owner.id), "limit": "3"},
                                    headers=headers)
    body = listed.json()
    assert len(body["items"]) == 3 and body["nextCursor"]
    rest = await world.client.get("/api/admin/payments", params={"userId": str(owner.id), "cursor": body["nextCursor"]},
                                  headers=headers)
    ids = [item["id"] for item in body["items"] + rest.json()["items"]]
    assert sorted(ids) == sorted(str(payment.id) for payment in payments) and len(set(ids)) == 7
    paid = await world.client.get("/api/admin/payments", params={"userId": str(owner.id), "status": "paid"},
                                  headers=headers)
    assert {item["status"] for item in paid.json()["items"]} == {"paid"} and len(paid.json()["items"]) == 3
    detail = await world.client.get(f"/api/admin/payments/{payments[0].id}", headers=headers)
    assert detail.status_code == 200
    assert detail.json()["amount"] == 10_000 and [event["kind"] for event in detail.json()["events"]] == [
        "va_notification"
    ]
    assert "requestHash" not in detail.json()
    assert (await world.client.get(f"/api/admin/payments/{generateId()}", headers=headers)).status_code == 404
    summary = (await world.client.get(f"/api/admin/users/{owner.id}", headers=headers)).json()["paymentSummary"]
    assert summary == {"total": 7, "byStatus": {"paid": 3, "pending": 4}, "paidAmount": 10_000 + 10_003 + 10_006}


async def test_paymentListFiltersFlaggedPayments(world: AdminWorld) -> None:
    _, headers = await world.adminToken()
    owner = await world.createUser()
    payments = await seedPayments(world, owner.id, 3)
    async with world.database.sessionFactory() as session:
        flagged = await session.get(Payment, payments[1].id)
        assert flagged is not None
        flagged.flaggedReason = "amount mismatch: notified 10000, expected 10001"
        await session.commit()

    async def listed(value: str) -> httpx2.Response:
        return await world.client.get("/api/admin/payments", params={"userId": str(owner.id), "flagged": value},
                                      headers=headers)

    onlyFlagged = (await listed("true")).json()["items"]
    assert [item["id"] for item in onlyFlagged] == [str(payments[1].id)]
    assert onlyFlagged[0]["flaggedReason"].startswith("amount mismatch")
    notFlagged = (await listed("false")).json()["items"]
    assert sorted(item["id"] for item in notFlagged) == sorted(str(payments[i].id) for i in (0, 2))
    refused = await listed("maybe")
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "validation_failed"
