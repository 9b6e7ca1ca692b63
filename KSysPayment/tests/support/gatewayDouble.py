from __future__ import annotations

from dataclasses import replace

from KSysPayment.backend.domain.exceptions.gatewayErrors import GatewayUnavailableError
from KSysPayment.backend.domain.gatewayTypes import GatewayPaymentState, VirtualAccountPaymentStatus
from KSysPayment.backend.domain.paymentGatewayInterface import PaymentGatewayInterface


# The real gateway, except for the methods a subclass defines (a test's scripted interleaving or answer).
class RealGatewayExcept:
    def __init__(self, real: PaymentGatewayInterface) -> None:
        self.real = real

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)


class PaidWithout(RealGatewayExcept):
    # The gateway given, except that a VA status answering paid leaves out one field (paid_unverified).
    def __init__(self, real: PaymentGatewayInterface, missing: str) -> None:
        super().__init__(real)
        self.missing = missing

    async def virtualAccountStatus(self, *, customerNo: str, inquiryRequestId: str) -> VirtualAccountPaymentStatus:
        status = await self.real.virtualAccountStatus(customerNo=customerNo, inquiryRequestId=inquiryRequestId)
        return replace(status, **{self.missing: None}) if status.state == GatewayPaymentState.PAID else status


class StatusUnavailableAfter(RealGatewayExcept):
    # The gateway given, except that the VA status calls after the first `answered` (of one customer number, or of any)
    # fail as when BRI stays down through the client's tries.
    def __init__(self, real: PaymentGatewayInterface, answered: int, customerNo: str | None = None) -> None:
        super().__init__(real)
        self.answered = answered
        self.customerNo = customerNo
        self.calls = 0

    async def virtualAccountStatus(self, *, customerNo: str, inquiryRequestId: str) -> VirtualAccountPaymentStatus:
        if self.customerNo in (None, customerNo):
            self.calls += 1
            if self.calls > self.answered:
                raise GatewayUnavailableError()
        return await self.real.virtualAccountStatus(customerNo=customerNo, inquiryRequestId=inquiryRequestId)


class DeleteRaises(RealGatewayExcept):
    # The gateway given, except that the VA delete of one customer number raises `error` (BRI's answer after the
    # client's tries) and leaves the VA at BRI.
    def __init__(self, real: PaymentGatewayInterface, customerNo: str, error: Exception) -> None:
        super().__init__(real)
        self.customerNo = customerNo
        self.error = error

    async def deleteVirtualAccount(self, *, customerNo: str, trxId: str) -> None:
        if customerNo == self.customerNo:
            raise self.error
        await self.real.deleteVirtualAccount(customerNo=customerNo, trxId=trxId)
