from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import or_, select, tuple_
from sqlalchemy.sql import Select

from KSysPayment.backend.domain.models.payment import Payment, PaymentStatus
from KSysPayment.backend.domain.paymentQueries import KeysetPosition, PaymentFilter
from shared.backend.database.baseRepository import BaseRepository, lockedForUpdate


def lockedIf(statement: Select[tuple[Payment]], forUpdate: bool) -> Select[tuple[Payment]]:
    return lockedForUpdate(statement) if forUpdate else statement


class PaymentRepository(BaseRepository[Payment]):
    model = Payment

    async def one(self, statement: Select[tuple[Payment]]) -> Payment | None:
        return (await self.session.execute(statement)).scalars().first()

    async def getOwned(self, id: uuid.UUID, userId: uuid.UUID, forUpdate: bool = False) -> Payment | None:
        statement = select(Payment).where(Payment.id == id, Payment.userId == userId)  # type: ignore[arg-type]
        return await self.one(lockedIf(statement, forUpdate))

    async def getByIdempotencyKey(self, userId: uuid.UUID, idempotencyKey: str) -> Payment | None:
        statement = select(Payment).where(
            Payment.userId == userId, Payment.idempotencyKey == idempotencyKey  # type: ignore[arg-type]
        )
        return await self.one(statement)

    async def findByVirtualAccountNo(self, virtualAccountNo: str, forUpdate: bool = False) -> Payment | None:
        # Customer numbers are random: prefer the newest if one ever repeats.
        statement = (
            select(Payment)
            .where(Payment.virtualAccountNo == virtualAccountNo)  # type: ignore[arg-type]
            .order_by(Payment.createdAt.desc())  # type: ignore[attr-defined]
            .limit(1)
        )
        return await self.one(lockedIf(statement, forUpdate))

    async def findByPartnerReferenceNo(self, partnerReferenceNo: str, forUpdate: bool = False) -> Payment | None:
        statement = select(Payment).where(Payment.partnerReferenceNo == partnerReferenceNo)  # type: ignore[arg-type]
        return await self.one(lockedIf(statement, forUpdate))

    async def findByBriReferenceNo(self, briReferenceNo: str, forUpdate: bool = False) -> Payment | None:
        statement = select(Payment).where(Payment.briReferenceNo == briReferenceNo).limit(1)  # type: ignore[arg-type]
        return await self.one(lockedIf(statement, forUpdate))

    async def listPage(
        self, userId: uuid.UUID, filter: PaymentFilter, after: KeysetPosition | None, limit: int
    ) -> list[Payment]:
        createdAt, paymentId = Payment.createdAt, Payment.id
        statement = select(Payment).where(Payment.userId == userId)  # type: ignore[arg-type]
        if filter.status:
            statement = statement.where(Payment.status == filter.status)  # type: ignore[arg-type]
        if filter.method:
            statement = statement.where(Payment.method == filter.method)  # type: ignore[arg-type]
        if after is not None:
            # A row comparison is an index condition of ix_payments_user_id_created_at_id: a page reads only its
            # own rows, where an OR of the two cases filtered out every newer payment of the user first.
            statement = statement.where(tuple_(createdAt, paymentId) < tuple_(after.createdAt, after.id))
        statement = statement.order_by(createdAt.desc(), paymentId.desc()).limit(limit)  # type: ignore[attr-defined]
        return list((await self.session.execute(statement)).scalars().all())

    async def listPendingBefore(
        self, deadline: datetime, flaggedSince: datetime, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> list[Payment]:
        expiresAt, paymentId = Payment.expiresAt, Payment.id
        statement = select(Payment).where(
            Payment.status == PaymentStatus.PENDING.value, expiresAt <= deadline,  # type: ignore[arg-type,operator]
            # A flagged payment overdue since before flaggedSince waits for a person (or BRI's notification).
            or_(Payment.flaggedReason.is_(None), expiresAt > flaggedSince),  # type: ignore[union-attr,operator]
        )
        if after is not None:
            # Keyset: a pass walks past payments it could not close instead of reading them again.
            statement = statement.where(tuple_(expiresAt, paymentId) > tuple_(*after))
        statement = statement.order_by(expiresAt, paymentId).limit(limit)  # type: ignore[arg-type]
        return list((await self.session.execute(statement)).scalars().all())

    async def listRecheckDue(
        self, now: datetime, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> list[Payment]:
        recheckAt, paymentId = Payment.recheckAt, Payment.id
        # Read from the partial index ix_payments_recheck_at_id (only watched rows have a recheck_at).
        statement = select(Payment).where(recheckAt <= now)  # type: ignore[arg-type,operator]
        if after is not None:
            statement = statement.where(tuple_(recheckAt, paymentId) > tuple_(*after))
        statement = statement.order_by(recheckAt, paymentId).limit(limit)  # type: ignore[arg-type]
        return list((await self.session.execute(statement)).scalars().all())
