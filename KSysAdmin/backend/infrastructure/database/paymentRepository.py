from __future__ import annotations

import uuid

from sqlalchemy import select, tuple_
from sqlalchemy.sql.elements import ColumnElement

from KSysAdmin.backend.domain.models.payment import Payment
from KSysAdmin.backend.domain.models.paymentEvent import PaymentEvent
from KSysAdmin.backend.domain.queries import KeysetPosition, PaymentFilter
from shared.backend.database.baseRepository import BaseRepository


class PaymentRepository(BaseRepository[Payment]):
    model = Payment

    async def listPage(self, filter: PaymentFilter, after: KeysetPosition | None, limit: int) -> list[Payment]:
        conditions: list[ColumnElement[bool]] = []
        if filter.status is not None:
            conditions.append(Payment.status == filter.status)
        if filter.method is not None:
            conditions.append(Payment.method == filter.method)
        if filter.userId is not None:
            conditions.append(Payment.userId == filter.userId)
        if filter.since is not None:
            conditions.append(Payment.createdAt >= filter.since)
        if filter.until is not None:
            conditions.append(Payment.createdAt < filter.until)
        if filter.flagged is not None:
            flagged = Payment.flaggedReason.is_not(None)  # type: ignore[union-attr]
            conditions.append(flagged if filter.flagged else ~flagged)
        if after is not None:
            conditions.append(tuple_(Payment.createdAt, Payment.id) < tuple_(after.value, after.id))
        statement = (
            select(Payment).where(*conditions).order_by(Payment.createdAt.desc(), Payment.id.desc()).limit(limit)
        )
        return list((await self.session.execute(statement)).scalars().all())

    async def eventsOf(self, paymentId: uuid.UUID) -> list[PaymentEvent]:
        statement = (
            select(PaymentEvent)
            .where(PaymentEvent.paymentId == paymentId)
            .order_by(PaymentEvent.receivedAt.asc(), PaymentEvent.id.asc())
        )
        return list((await self.session.execute(statement)).scalars().all())
