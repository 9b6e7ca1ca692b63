from __future__ import annotations

import uuid

from sqlalchemy import BigInteger, DateTime, Text, Uuid, column, select, table, union
from sqlalchemy.ext.asyncio import AsyncSession

from KAuthApp.backend.domain.exportedPayment import ExportedPayment
from KAuthApp.backend.domain.models.auditLog import AuditLog
from KAuthApp.backend.domain.models.session import Session

# KSysPayment's table, read only: the columns an export shows (ix_payments_user_id_created_at_id).
PAYMENTS = table(
    "payments", column("id", Uuid), column("user_id", Uuid), column("amount", BigInteger), column("currency", Text),
    column("method", Text), column("status", Text), column("description", Text), column("virtual_account_no", Text),
    column("created_at", DateTime(timezone=True)), column("expires_at", DateTime(timezone=True)),
    column("paid_at", DateTime(timezone=True)),
)
AUDIT = AuditLog.__table__  # type: ignore[attr-defined]


# Each read walks its index newest first (user_id/actor_id/target with created_at).
class AccountExportQuery:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def sessionsOf(self, userId: uuid.UUID, limit: int) -> list[Session]:
        statement = (select(Session).where(Session.userId == userId)  # type: ignore[arg-type]
                     .order_by(Session.createdAt.desc(), Session.id.desc()).limit(limit))  # type: ignore[attr-defined]
        return list((await self.session.scalars(statement)).all())

    async def paymentsOf(self, userId: uuid.UUID, limit: int) -> list[ExportedPayment]:
        p = PAYMENTS.c
        statement = (select(p.id, p.amount, p.currency, p.method, p.status, p.description, p.virtual_account_no,
                            p.created_at, p.expires_at, p.paid_at)
                     .where(p.user_id == userId).order_by(p.created_at.desc(), p.id.desc()).limit(limit))
        rows = (await self.session.execute(statement)).all()
        return [ExportedPayment(id=row[0], amount=row[1], currency=row[2], method=row[3], status=row[4],
                                description=row[5], virtualAccountNo=row[6], createdAt=row[7], expiresAt=row[8],
                                paidAt=row[9]) for row in rows]

    async def activityOf(self, userId: uuid.UUID, limit: int) -> list[AuditLog]:
        # Two index walks, each cut at the limit, then merged: an OR over both columns would scan the table.
        byUser = select(AUDIT.c.id).where(AUDIT.c.actor_id == userId) \
            .order_by(AUDIT.c.created_at.desc(), AUDIT.c.id.desc()).limit(limit)
        aboutUser = select(AUDIT.c.id).where(AUDIT.c.target_type == "user", AUDIT.c.target_id == str(userId)) \
            .order_by(AUDIT.c.created_at.desc(), AUDIT.c.id.desc()).limit(limit)
        ids = union(byUser, aboutUser).subquery()
        statement = (select(AuditLog).where(AuditLog.id.in_(select(ids.c.id)))  # type: ignore[attr-defined]
                     .order_by(AuditLog.createdAt.desc(), AuditLog.id.desc()).limit(limit))  # type: ignore[attr-defined]
        return list((await self.session.scalars(statement)).all())
