from __future__ import annotations

import uuid

from sqlalchemy import Select, select, tuple_
from sqlalchemy.sql.elements import ColumnElement

from KSysAdmin.backend.domain.models.payment import Payment
from KSysAdmin.backend.domain.models.paymentEvent import PaymentEvent
from KSysAdmin.backend.domain.queries import KeysetPosition, PaymentFilter
from shared.backend.database.baseRepository import BaseRepository


# One page of payments, newest first. The flagged filters are the partial indexes' conditions, written as they
# are, so that the planner reads ix_payments_flagged_created_at_id or ix_payments_open_flag_created_at_id.
def pageStatement(filter: PaymentFilter, after: KeysetPosition | None, limit: int) -> Select[tuple[Payment]]:
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
    if filter.flagResolved is not None:
        resolved = Payment.flagResolvedAt.is_(None)  # type: ignore[union-attr]
        conditions.append(~resolved if filter.flagResolved else resolved)
    if after is not None:
        conditions.append(tuple_(Payment.createdAt, Payment.id) < tuple_(after.value, after.id))
    return select(Payment).where(*conditions).order_by(Payment.createdAt.desc(), Payment.id.desc()).limit(limit)


class PaymentRepository(BaseRepository[Payment]):
    model = Payment

    async def listPage(self, filter: PaymentFilter, after: KeysetPosition | None, limit: int) -> list[Payment]:
        return list((await self.session.execute(pageStatement(filter, after, limit))).scalars().all())

    async def eventsOf(self, paymentId: uuid.UUID) -> list[PaymentEvent]:
        statement = (
            select(PaymentEvent)
            .where(PaymentEvent.paymentId == paymentId)
            .order_by(PaymentEvent.receivedAt.asc(), PaymentEvent.id.asc())
        )
        return list((await self.session.execute(statement)).scalars().all())

    async def flush(self) -> None:
        await self.session.flush()
