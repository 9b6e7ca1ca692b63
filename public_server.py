from __future__ import annotations

from fastapi import FastAPI

from KAuthApp.backend.infrastructure.http.authRouter import createAuthRouter
from KSysPayment.backend.infrastructure.http.paymentRouter import createPaymentRouter
from shared.backend.appFactory import ServiceSpec, createApp, loadSettingsOrExit
from shared.backend.config.settings import Settings


def createPublicApp(settings: Settings) -> FastAPI:
    spec = ServiceSpec(
        title="KServices public API",
        routers=[createAuthRouter(), createPaymentRouter()],
        docGroups={"/api/auth": "KAuthApp", "/api/payment": "KSysPayment"},
    )
    return createApp(settings, spec)


app = createPublicApp(loadSettingsOrExit())
