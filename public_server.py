from __future__ import annotations

from fastapi import FastAPI

from KAuthApp.backend.infrastructure.http.authService import createAuthService
from KSysPayment.backend.infrastructure.http.paymentService import createPaymentService
from shared.backend.appFactory import combineSpecs, createApp, loadSettingsOrExit
from shared.backend.config.settings import Settings


def createPublicApp(settings: Settings) -> FastAPI:
    spec = combineSpecs("KServices public API", [createAuthService(settings), createPaymentService(settings)])
    return createApp(settings, spec)


app = createPublicApp(loadSettingsOrExit())
