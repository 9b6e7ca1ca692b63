from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx2
import pytest
from sqlalchemy import select, text

from KSysAdmin.backend.domain.models.auditLog import AuditLog
from KSysAdmin.backend.domain.models.payment import Payment
from KSysAdmin.tests.adminSupport import FLAG_REASON as REASON
from KSysAdmin.tests.adminSupport import AdminWorld, seedPayment, storedPayment, waitUntilBlocked
from shared.backend.database.modelSupport import utcNow
from shared.backend.utils.uuid import generateId

ACTION = "payment.flag_resolved"
ROUTE = "POST /payments/{paymentId}/flag/resolve"
# A payment's row as the resolution must leave it alone.
KEPT = ("status", "flaggedReason", "updatedAt", "amount", "paidAt")


async def resolve(world: AdminWorld, headers: dict[str, str], payment: Payment, resolution: object = "Refunded",
                  updatedAt: str | None = None) -> httpx2.Response:
    body = {"resolution": resolution, "updatedAt": updatedAt or payment.updatedAt.isoformat()}
    return await world.client.post(f"/api/admin/payments/{payment.id}/flag/resolve", json=body, headers=headers)


async def entriesBy(world: AdminWorld, actorId: uuid.UUID) -> list[tuple[str, str, str | None, dict[str, object]]]:
    async with world.database.sessionFactory() as session:
        statement = (select(AuditLog).where(AuditLog.actorId == actorId, AuditLog.action != "admin.login")
                     .order_by(AuditLog.createdAt, AuditLog.id))
        found = (await session.execute(statement)).scalars().all()
    return [(entry.action, entry.outcome, entry.targetId, entry.details) for entry in found]


def kept(payment: Payment) -> tuple[object, ...]:
    return tuple(getattr(payment, name) for name in KEPT)


# The resolution is recorded (when, who, what, trimmed) and audited; the payment's money state and updatedAt stay;
# the answer is the payment's detail as GET gives it.
async def test_resolveRecordsTheResolutionAndChangesNothingElse(world: AdminWorld) -> None:
    admin, headers = await world.adminToken()
    payment = await seedPayment(world, (await world.createUser()).id)
    before = utcNow()
    response = await resolve(world, headers, payment, "  Refunded at BRI, ticket 4411  ")
    assert response.status_code == 200, response.text
    stored = await storedPayment(world, payment.id)
    assert kept(stored) == kept(payment)
    assert (stored.flagResolvedBy, stored.flagResolution) == (admin.id, "Refunded at BRI, ticket 4411")
    assert stored.flagResolvedAt is not None and stored.flagResolvedAt >= before
    detail = await world.client.get(f"/api/admin/payments/{payment.id}", headers=headers)
    assert response.json() == detail.json()
    body = response.json()
    assert (body["flagResolvedBy"], body["flagResolution"]) == (str(admin.id), "Refunded at BRI, ticket 4411")
    assert body["flagResolvedAt"] is not None and [event["outcome"] for event in body["events"]] == ["late"]
    assert await entriesBy(world, admin.id) == [
        (ACTION, "success", str(payment.id), {"flaggedReason": REASON, "resolution": "Refunded at BRI, ticket 4411"}),
    ]


# Refusals change nothing and are audited as failed with their code: an unknown payment, a payment without a flag,
# a flag already resolved, and a payment changed since the admin looked (its current updatedAt in the details).
async def test_refusalsChangeNothingAndAreAudited(world: AdminWorld) -> None:
    admin, headers = await world.adminToken()
    ownerId = (await world.createUser()).id
    unflagged = await seedPayment(world, ownerId, reason=None)
    payment = await seedPayment(world, ownerId)
    missing = Payment(id=generateId(), userId=ownerId, amount=1, method="qris", idempotencyKey="k", requestHash="h",
                      partnerReferenceNo="p", expiresAt=utcNow())
    answer = await resolve(world, headers, missing)
    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "payment_not_found")
    answer = await resolve(world, headers, unflagged)
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "flag_not_open")
    stale = (payment.updatedAt - timedelta(seconds=1)).isoformat()
    answer = await resolve(world, headers, payment, updatedAt=stale)
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "payment_changed")
    current = (await world.client.get(f"/api/admin/payments/{payment.id}", headers=headers)).json()["updatedAt"]
    assert answer.json()["error"]["details"][0]["updatedAt"] == current
    assert (await storedPayment(world, payment.id)).flagResolvedAt is None
    assert (await resolve(world, headers, payment, "First")).status_code == 200
    answer = await resolve(world, headers, payment, "Second")
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "flag_not_open")
    stored = await storedPayment(world, payment.id)
    assert (stored.flagResolution, kept(stored)) == ("First", kept(payment))
    assert (await storedPayment(world, unflagged.id)).flagResolvedAt is None
    assert await entriesBy(world, admin.id) == [
        (ACTION, "failure", str(missing.id), {"code": "payment_not_found"}),
        (ACTION, "failure", str(unflagged.id), {"code": "flag_not_open"}),
        (ACTION, "failure", str(payment.id), {"code": "payment_changed"}),
        (ACTION, "success", str(payment.id), {"flaggedReason": REASON, "resolution": "First"}),
        (ACTION, "failure", str(payment.id), {"code": "flag_not_open"}),
    ]


# KSysPayment flags the payment again while the resolution waits on its row lock (as Payment.flag writes it): the
# resolution sees the new flag and refuses with payment_changed, instead of marking the new flag handled.
async def test_aFlagArrivingDuringTheResolutionIsNotResolved(world: AdminWorld) -> None:
    _, headers = await world.adminToken()
    payment = await seedPayment(world, (await world.createUser()).id)
    newReason = "amount_mismatch: BRI reports 16000 IDR"
    async with world.database.engine.connect() as connection:
        await connection.begin()
        await connection.execute(text("SELECT id FROM payments WHERE id = :id FOR UPDATE"), {"id": payment.id})
        request = asyncio.create_task(resolve(world, headers, payment))
        await waitUntilBlocked(world, request)
        await connection.execute(text(
            "UPDATE payments SET flagged_reason = :reason, updated_at = now(), flag_resolved_at = NULL, "
            "flag_resolved_by = NULL, flag_resolution = NULL WHERE id = :id"), {"reason": newReason, "id": payment.id})
        await connection.commit()
    answer = await request
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "payment_changed"), answer.text
    stored = await storedPayment(world, payment.id)
    assert (stored.flaggedReason, stored.flagResolvedAt, stored.flagResolution) == (newReason, None, None)


# An admin's own payment is for another admin to resolve (separation of duties): refused, audited, unchanged.
async def test_ownPaymentIsRefused(world: AdminWorld) -> None:
    admin, headers = await world.adminToken()
    payment = await seedPayment(world, admin.id)
    answer = await resolve(world, headers, payment)
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "cannot_target_self"), answer.text
    assert (await storedPayment(world, payment.id)).flagResolvedAt is None
    assert await entriesBy(world, admin.id) == [(ACTION, "failure", str(payment.id), {"code": "cannot_target_self"})]
    _, otherHeaders = await world.adminToken()
    assert (await resolve(world, otherHeaders, payment)).status_code == 200


# A malformed resolution is refused by validation, changes nothing, and is audited as failed with its fields.
@pytest.mark.parametrize(("body", "fields"), [
    ({"resolution": ""}, ["resolution"]),
    ({"resolution": " \t\n "}, ["resolution"]),
    ({"resolution": "x" * 501}, ["resolution"]),
    ({"resolution": "Refunded", "updatedAt": None}, ["updatedAt"]),
    ({"resolution": "Refunded", "updatedAt": "2026-12-06T08:00:00"}, ["updatedAt"]),
    ({"resolution": "Refunded", "updatedAt": "1796546220"}, ["updatedAt"]),
    ({"resolution": "\u200b"}, ["resolution"]),
    ({"resolution": "\u2800 \u200d"}, ["resolution"]),
    ({"resolution": "Refunded, ticket \u202e1144"}, ["resolution"]),
], ids=["empty", "whitespace", "501 characters", "missing updatedAt", "updatedAt without offset", "updatedAt digits",
        "zero width space", "shows nothing", "right-to-left override"])
async def test_malformedResolutionIsRefusedAndAudited(world: AdminWorld, body: dict[str, object],
                                                      fields: list[str]) -> None:
    admin, headers = await world.adminToken()
    payment = await seedPayment(world, (await world.createUser()).id)
    sent = {"updatedAt": payment.updatedAt.isoformat(), **body}
    sent = {key: value for key, value in sent.items() if value is not None}
    answer = await world.client.post(f"/api/admin/payments/{payment.id}/flag/resolve", json=sent, headers=headers)
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "validation_failed"), answer.text
    stored = await storedPayment(world, payment.id)
    assert (stored.flagResolvedAt, stored.flagResolvedBy, stored.flagResolution) == (None, None, None)
    assert await entriesBy(world, admin.id) == [(ROUTE, "failure", str(payment.id), {"code": "validation_failed",
                                                                                     "fields": fields})]


# A token whose account holds no admin role is refused and audited as denied, naming the payment; nothing changes.
async def test_nonAdminIsRefusedAndAudited(world: AdminWorld) -> None:
    caller, headers = await world.adminToken()
    async with world.database.engine.begin() as connection:
        await connection.execute(text("DELETE FROM user_roles WHERE user_id = :id"), {"id": caller.id})
    payment = await seedPayment(world, (await world.createUser()).id)
    answer = await resolve(world, headers, payment)
    assert (answer.status_code, answer.json()["error"]["code"]) == (403, "insufficient_role")
    assert (await storedPayment(world, payment.id)).flagResolvedAt is None
    assert await entriesBy(world, caller.id) == [(ROUTE, "denied", str(payment.id),
                                                  {"code": "insufficient_role", "roles": []})]


# flagged=true lists every flag; flagResolved narrows it to the resolved or the open ones (alone it implies
# flagged); with flagged=false it is refused, since an unflagged payment has no resolution.
async def test_listFiltersOpenAndResolvedFlags(world: AdminWorld) -> None:
    _, headers = await world.adminToken()
    ownerId = (await world.createUser()).id
    unflagged, resolved, open = [await seedPayment(world, ownerId, reason) for reason in (None, REASON, REASON)]
    assert (await resolve(world, headers, resolved, "Refunded")).status_code == 200

    async def listed(**params: str) -> httpx2.Response:
        return await world.client.get("/api/admin/payments", params={"userId": str(ownerId), **params},
                                      headers=headers)

    def ids(response: httpx2.Response) -> list[str]:
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert ids(await listed(flagged="true")) == [str(open.id), str(resolved.id)]
    assert ids(await listed(flagged="true", flagResolved="false")) == [str(open.id)]
    assert ids(await listed(flagResolved="false")) == [str(open.id)]
    assert ids(await listed(flagged="true", flagResolved="true")) == [str(resolved.id)]
    assert ids(await listed(flagged="false")) == [str(unflagged.id)]
    items = {item["id"]: item for item in (await listed()).json()["items"]}
    assert items[str(resolved.id)]["flagResolution"] == "Refunded" and items[str(resolved.id)]["flagResolvedBy"]
    assert [items[str(open.id)][name] for name in ("flagResolvedAt", "flagResolvedBy", "flagResolution")] == [None] * 3
    refused = await listed(flagged="false", flagResolved="true")
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "validation_failed" and [item["field"] for item in error["details"]] == ["flagResolved"]
