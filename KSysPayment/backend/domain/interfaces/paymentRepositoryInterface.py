from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from KSysPayment.backend.domain.models.payment import Payment
from KSysPayment.backend.domain.paymentQueries import KeysetPosition, PaymentFilter


class PaymentRepositoryInterface(Protocol):
    async def getById(self, id: uuid.UUID, forUpdate: bool = False) -> Payment | None: ...

    async def getOwned(self, id: uuid.UUID, userId: uuid.UUID, forUpdate: bool = False) -> Payment | None: ...

    async def getByIdempotencyKey(self, userId: uuid.UUID, idempotencyKey: str) -> Payment | None: ...

    async def findByVirtualAccountNo(self, virtualAccountNo: str, forUpdate: bool = False) -> Payment | None: ...

    async def findByPartnerReferenceNo(self, partnerReferenceNo: str, forUpdate: bool = False) -> Payment | None: ...

    async def findByBriReferenceNo(self, briReferenceNo: str, forUpdate: bool = False) -> Payment | None: ...

    async def listPage(
        self, userId: uuid.UUID, filter: PaymentFilter, after: KeysetPosition | None, limit: int
    ) -> list[Payment]: ...

    # Pending payments expiring by deadline, ordered by (expires_at, id), after that position when given;
    # flagged ones only while they expired after flaggedSince.
    async def listPendingBefore(
        self, deadline: datetime, flaggedSince: datetime, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> list[Payment]: ...

    # Closed QRIS payments whose recheck is due by now, ordered by (recheck_at, id), after that position when given.
    async def listRecheckDue(
        self, now: datetime, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> list[Payment]: ...
