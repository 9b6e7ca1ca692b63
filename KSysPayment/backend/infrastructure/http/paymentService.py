from __future__ import annotations

from KSysPayment.backend.infrastructure.http.paymentRouter import createPaymentRouter
from shared.backend.appFactory import ServiceSpec
from shared.backend.config.settings import Settings


def createPaymentService(settings: Settings) -> ServiceSpec:
    return ServiceSpec(title="KSysPayment", routers=[createPaymentRouter()], docGroups={"/api/payment": "KSysPayment"})
