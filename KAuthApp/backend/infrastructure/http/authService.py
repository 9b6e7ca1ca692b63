from __future__ import annotations

from KAuthApp.backend.infrastructure.http.authRouter import createAuthRouter
from shared.backend.appFactory import ServiceSpec
from shared.backend.config.settings import Settings


def createAuthService(settings: Settings) -> ServiceSpec:
    return ServiceSpec(title="KAuthApp", routers=[createAuthRouter()], docGroups={"/api/auth": "KAuthApp"})
