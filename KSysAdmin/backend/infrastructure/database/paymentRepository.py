from __future__ import annotations

import uuid

from sqlalchemy import Select, select
from sqlalchemy.sql.elements import ColumnElement

from KSysAdmin.backend.domain.models.payment import Payment
from KSysAdmin.backend.domain.models.paymentEvent import PaymentEvent
from KSysAdmin.backend.domain.queries import KeysetPosition, PaymentFilter
from KSysAdmin.backend.infrastructure.database.newestFirstPage import newestFirstPage
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
    if filter.flagged is not None:
        flagged = Payment.flaggedReason.is_not(None)  # type: ignore[union-attr]
        conditions.append(flagged if filter.flagged else ~flagged)
    if filter.flagResolved is not None:
        resolved = Payment.flagResolvedAt.is_(None)  # type: ignore[union-attr]
        conditions.append(~resolved if filter.flagResolved else resolved)
    return newestFirstPage(Payment, conditions, (filter.since, filter.until), after, limit)


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
