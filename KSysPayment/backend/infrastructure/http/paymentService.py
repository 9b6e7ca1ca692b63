from __future__ import annotations

from fastapi import APIRouter

from KSysPayment.backend.infrastructure.http.devRouter import DEV_ENVIRONMENTS, createDevRouter
from KSysPayment.backend.infrastructure.http.errorStatus import PAYMENT_STATUS_TABLE
from KSysPayment.backend.infrastructure.http.paymentHooks import briHook, reconcileHook
from KSysPayment.backend.infrastructure.http.paymentRouter import createPaymentRouter
from KSysPayment.backend.infrastructure.http.snapRouter import createSnapRouter
from shared.backend.appFactory import ServiceSpec
from shared.backend.config.settings import Settings


def createPaymentService(settings: Settings) -> ServiceSpec:
    routers: list[APIRouter] = [createPaymentRouter(), createSnapRouter()]
    if settings.app.env in DEV_ENVIRONMENTS:
        routers.append(createDevRouter())
    return ServiceSpec(
        title="KSysPayment",
        routers=routers,
        docGroups={"/api/payment": "KSysPayment"},
        statusTable=PAYMENT_STATUS_TABLE,
        hooks=[briHook(settings), reconcileHook(settings)],
    )
