from __future__ import annotations

from KSysPayment.backend.domain.paymentGatewayInterface import PaymentGatewayInterface


# The real gateway, except for the methods a subclass defines (a test's scripted interleaving or answer).
class RealGatewayExcept:
    def __init__(self, real: PaymentGatewayInterface) -> None:
        self.real = real

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)
