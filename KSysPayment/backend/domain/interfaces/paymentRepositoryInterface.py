from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Protocol

from KSysPayment.backend.domain.models.auditLog import AuditLog
from KSysPayment.backend.domain.models.payment import Payment
from KSysPayment.backend.domain.paymentQueries import KeysetPosition, PaymentFilter


class PaymentRepositoryInterface(Protocol):
    # Payment and audit row in one statement unless (user, Idempotency-Key) exists; False if it does.
    async def openIfAbsent(self, payment: Payment, audit: AuditLog) -> bool: ...

    # Attribute changes and the audit row in one statement; the audit details get the stored status and amount.
    async def updateWithAudit(self, id: uuid.UUID, changes: dict[str, Any], audit: AuditLog) -> Payment | None: ...

    async def getById(self, id: uuid.UUID, forUpdate: bool = False) -> Payment | None: ...

    async def getOwned(self, id: uuid.UUID, userId: uuid.UUID, forUpdate: bool = False) -> Payment | None: ...

    async def getByIdempotencyKey(self, userId: uuid.UUID, idempotencyKey: str) -> Payment | None: ...

    async def findByVirtualAccountNo(self, virtualAccountNo: str, forUpdate: bool = False) -> Payment | None: ...

    async def findByPartnerReferenceNo(self, partnerReferenceNo: str, forUpdate: bool = False) -> Payment | None: ...

    async def findByBriReferenceNo(self, briReferenceNo: str, forUpdate: bool = False) -> Payment | None: ...

    async def listPage(
        self, userId: uuid.UUID, filter: PaymentFilter, after: KeysetPosition | None, limit: int
    ) -> list[Payment]: ...

    async def listPendingBefore(self, deadline: datetime, limit: int) -> list[Payment]: ...
