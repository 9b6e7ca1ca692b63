from __future__ import annotations

import json
import uuid

from asyncpg import Record
from sqlalchemy import BigInteger, ColumnElement, Select, Text, Uuid, bindparam, case, cast, func, or_, select, union

from KAuthApp.backend.domain.interfaces.accountExportInterface import ExportLists, ExportRow
from KAuthApp.backend.domain.models.auditLog import ActorType, AuditLog
from KAuthApp.backend.domain.models.session import Session
from KAuthApp.backend.infrastructure.database.paymentsTable import PAYMENTS
from shared.backend.database.driverPool import DriverPool
from shared.backend.database.driverStatement import DriverStatement

SESSIONS = Session.__table__  # type: ignore[attr-defined]
AUDIT = AuditLog.__table__  # type: ignore[attr-defined]
USER_ID = bindparam("userId", type_=Uuid)
LIMIT = bindparam("limit", type_=BigInteger)
ADMIN = ActorType.ADMIN.value
FAILED = "failed"


def newestFirst(statement: Select, source: object) -> Select:  # type: ignore[type-arg]
    columns = source.c  # type: ignore[attr-defined]
    return statement.order_by(columns.created_at.desc(), columns.id.desc()).limit(LIMIT)


SESSION_KEYS = ("id", "deviceFingerprint", "userAgent", "ip", "createdAt", "lastUsedAt", "revokedAt", "revokedReason")
PAYMENT_KEYS = ("id", "amount", "currency", "method", "status", "description", "virtualAccountNo", "createdAt",
                "expiresAt", "paidAt", "failureReason")


def sessionsStatement() -> Select:  # type: ignore[type-arg]
    c = SESSIONS.c
    return newestFirst(select(c.id, c.device_fingerprint, c.user_agent, c.ip, c.created_at, c.last_used_at,
                              c.revoked_at, c.revoked_reason).where(c.user_id == USER_ID), SESSIONS)


# The VA number as the payment API shows it (KSysPayment's PaymentOutput.fromPayment): without BRI's space padding,
# and none for a failed payment, whose VA may still exist at BRI for a while.
def shownVirtualAccountNo() -> ColumnElement[str | None]:
    c = PAYMENTS.c
    return case((or_(c.status == FAILED, c.virtual_account_no == ""), None),
                else_=func.replace(c.virtual_account_no, " ", ""))


def paymentsStatement() -> Select:  # type: ignore[type-arg]
    c = PAYMENTS.c
    return newestFirst(select(c.id, c.amount, c.currency, c.method, c.status, c.description, shownVirtualAccountNo(),
                              c.created_at, c.expires_at, c.paid_at, c.failure_reason).where(c.user_id == USER_ID),
                       PAYMENTS)


# Two index walks (actor_id, and target_type with target_id), each cut at the limit, then merged: an OR over both
# columns would scan the table. What an admin did in the console is the company's record, not the admin's data:
# KSysAdmin writes every such entry with actor_type 'admin' (user.lock, payment.flag_resolved, settings.*, admin.login,
# refusals), so the account's own entries skip them and only those naming the account itself come in, by the second
# walk. details comes as JSON text (the driver pool has no JSONB codec).
def activityStatement() -> Select:  # type: ignore[type-arg]
    c = AUDIT.c
    byUser = newestFirst(select(c.id, c.created_at).where(c.actor_id == USER_ID, c.actor_type != ADMIN), AUDIT)
    aboutUser = newestFirst(select(c.id, c.created_at).where(c.target_type == "user",
                                                              c.target_id == cast(USER_ID, Text)), AUDIT)
    entries = union(byUser, aboutUser).subquery()
    return newestFirst(select(c.actor_id, c.action, c.outcome, c.created_at, c.ip, cast(c.details, Text))
                       .where(c.id.in_(select(entries.c.id))), AUDIT)


SESSIONS_OF = DriverStatement(sessionsStatement())
PAYMENTS_OF = DriverStatement(paymentsStatement())
ACTIVITY_OF = DriverStatement(activityStatement())


# With `actorId`; `details` decoded.
def activityRow(row: Record) -> ExportRow:
    actorId, action, outcome, createdAt, ip, details = row
    return {"actorId": actorId, "action": action, "outcome": outcome, "createdAt": createdAt, "ip": ip,
            "details": json.loads(details)}


# Rows as the export's JSON shows them (camelCase keys), read on the driver pool in one snapshot: through the ORM,
# 10,000 rows of each cost ~10x the statements.
class AccountExportQuery:
    def __init__(self, pool: DriverPool) -> None:
        self.pool = pool

    async def listsOf(self, userId: uuid.UUID, limit: int) -> ExportLists:
        values = {"userId": userId, "limit": limit}
        sessions, payments, activity = await self.pool.fetchTogether(
            [(SESSIONS_OF, values), (PAYMENTS_OF, values), (ACTIVITY_OF, values)])
        return ExportLists(
            sessions=[dict(zip(SESSION_KEYS, row, strict=True)) for row in sessions],
            payments=[dict(zip(PAYMENT_KEYS, row, strict=True)) for row in payments],
            activity=[activityRow(row) for row in activity],
        )
