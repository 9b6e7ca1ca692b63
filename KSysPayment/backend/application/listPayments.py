from __future__ import annotations

import uuid

from KSysPayment.backend.application.cursorCodec import decodeCursor, encodeCursor
from KSysPayment.backend.application.paymentOutput import PaymentOutput, PaymentPageOutput
from KSysPayment.backend.domain.interfaces.unitOfWorkInterface import UnitOfWorkFactory
from KSysPayment.backend.domain.paymentQueries import KeysetPosition, PaymentFilter


class ListPayments:
    def __init__(self, uowFactory: UnitOfWorkFactory) -> None:
        self.uowFactory = uowFactory

    async def execute(
        self, userId: uuid.UUID, filter: PaymentFilter, cursor: str | None, limit: int
    ) -> PaymentPageOutput:
        after = decodeCursor(cursor)
        async with self.uowFactory() as uow:
            rows = await uow.payments.listPage(userId, filter, after, limit + 1)
        page = rows[:limit]
        nextCursor = None
        if len(rows) > limit and page:
            nextCursor = encodeCursor(KeysetPosition(createdAt=page[-1].createdAt, id=page[-1].id))
        return PaymentPageOutput(items=[PaymentOutput.fromPayment(row) for row in page], nextCursor=nextCursor)
