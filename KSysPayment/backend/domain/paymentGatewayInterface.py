from __future__ import annotations

from datetime import datetime
from typing import Protocol

from KSysPayment.backend.domain.gatewayTypes import (
    QrisCode,
    QrisPaymentStatus,
    VirtualAccount,
    VirtualAccountPaymentStatus,
)


# Errors raised: KSysPayment.backend.domain.exceptions.gatewayErrors (GatewayRejectedError and
# subclasses, GatewayAuthError, GatewayBadResponseError, GatewayUnavailableError, GatewayTimeoutError).
class PaymentGatewayInterface(Protocol):
    def virtualAccountNoFor(self, customerNo: str) -> str: ...

    async def createVirtualAccount(
        self,
        *,
        customerNo: str,
        name: str,
        amount: int,
        expiresAt: datetime,
        trxId: str,
        description: str,
    ) -> VirtualAccount: ...

    async def inquiryVirtualAccount(self, *, customerNo: str, trxId: str) -> VirtualAccount: ...

    async def virtualAccountStatus(self, *, customerNo: str, inquiryRequestId: str) -> VirtualAccountPaymentStatus: ...

    async def deleteVirtualAccount(self, *, customerNo: str, trxId: str) -> None: ...

    async def generateQris(self, *, partnerReferenceNo: str, amount: int) -> QrisCode: ...

    async def queryQris(self, *, referenceNo: str) -> QrisPaymentStatus: ...
