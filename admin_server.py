from __future__ import annotations

from fastapi import FastAPI

from KSysAdmin.backend.infrastructure.background.purgeTask import purgeHook
from KSysAdmin.backend.infrastructure.background.revokedKeySweep import revokedKeySweepHook
from KSysAdmin.backend.infrastructure.background.settingsWatch import settingsWatchHook
from KSysAdmin.backend.infrastructure.http.adminRouter import createAdminRouter
from KSysAdmin.backend.infrastructure.http.adminTools import adminStartupHook
from KSysAdmin.backend.infrastructure.http.errorStatus import ADMIN_STATUS_TABLE
from KSysAdmin.backend.infrastructure.http.validationAudit import installValidationAudit
from shared.backend.appFactory import ServiceSpec, createApp, loadSettingsOrExit
from shared.backend.config.settings import Settings


def createAdminApp(settings: Settings) -> FastAPI:
    spec = ServiceSpec(
        title="KServices admin API",
        routers=[createAdminRouter()],
        docGroups={"/api/admin": "KSysAdmin"},
        statusTable=ADMIN_STATUS_TABLE,
        hooks=[adminStartupHook, purgeHook, settingsWatchHook, revokedKeySweepHook],
    )
    app = createApp(settings, spec)
    installValidationAudit(app)
    return app


app = createAdminApp(loadSettingsOrExit())
