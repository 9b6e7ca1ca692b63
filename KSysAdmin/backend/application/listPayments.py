from __future__ import annotations

from KSysAdmin.backend.application.cursorCodec import decodeCursor, encodeCursor
from KSysAdmin.backend.application.paymentOutput import PaymentOutput, PaymentPageOutput
from KSysAdmin.backend.domain.interfaces.paymentRepositoryInterface import PaymentRepositoryInterface
from KSysAdmin.backend.domain.queries import PaymentFilter

SORT = "-createdAt"


class ListPayments:
    def __init__(self, payments: PaymentRepositoryInterface) -> None:
        self.payments = payments

    async def execute(self, filter: PaymentFilter, cursor: str | None, limit: int) -> PaymentPageOutput:
        rows = await self.payments.listPage(filter, decodeCursor(cursor, SORT), limit + 1)
        page = rows[:limit]
        nextCursor = encodeCursor(SORT, page[-1].createdAt, page[-1].id) if len(rows) > limit and page else None
        return PaymentPageOutput(items=[PaymentOutput.model_validate(row) for row in page], nextCursor=nextCursor)
