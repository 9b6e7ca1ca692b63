from __future__ import annotations

from fastapi import APIRouter

from KSysAdmin.backend.application.getCorsSetting import GetCorsSetting
from KSysAdmin.backend.application.getRateLimitSetting import GetRateLimitSetting
from KSysAdmin.backend.application.settingsInput import CorsInput, RateLimitsInput
from KSysAdmin.backend.application.settingsOutput import CorsOutput, RateLimitsOutput
from KSysAdmin.backend.application.settingsPublication import SettingsNotPublishedError
from KSysAdmin.backend.application.updateCorsSetting import UpdateCorsSetting
from KSysAdmin.backend.application.updateRateLimitSetting import UpdateRateLimitSetting
from KSysAdmin.backend.domain.exceptions.adminErrors import InvalidSettingError, StaleVersionError
from KSysAdmin.backend.infrastructure.gatewayDefaults import gatewayDefaults
from KSysAdmin.backend.infrastructure.http.dependencies import (
    AuditDep,
    ContextDep,
    PublisherDep,
    SessionDep,
    SettingsRepoDep,
    SuperadminDep,
    ToolsDep,
    UsersDep,
)
from KSysAdmin.backend.infrastructure.http.errorStatus import adminAnswers
from shared.backend.dependenciesFirstRoute import DependenciesFirstRoute

# A change refused, raced or stored without reaching the gateway (docs/adminApi.md).
UPDATE_ANSWERS = adminAnswers(InvalidSettingError, StaleVersionError, SettingsNotPublishedError)


def createSettingsRoutes() -> APIRouter:
    router = APIRouter(prefix="/settings", route_class=DependenciesFirstRoute)
    # Read when the app is built: a server that cannot read them does not start.
    defaults = gatewayDefaults()

    @router.get("/cors", response_model=CorsOutput)
    async def getCors(admin: SuperadminDep, settings: SettingsRepoDep, tools: ToolsDep) -> CorsOutput:
        return await GetCorsSetting(settings, tools.settings.cors.origins).execute()

    @router.put("/cors", response_model=CorsOutput, responses=UPDATE_ANSWERS)
    async def putCors(
        data: CorsInput, admin: SuperadminDep, settings: SettingsRepoDep, users: UsersDep, publisher: PublisherDep,
        audit: AuditDep, session: SessionDep, context: ContextDep, tools: ToolsDep,
    ) -> CorsOutput:
        useCase = UpdateCorsSetting(settings, users, publisher, audit, session, tools.settings.app.isProduction)
        return await useCase.execute(admin, data, context)

    @router.get("/rate-limits", response_model=RateLimitsOutput)
    async def getRateLimits(admin: SuperadminDep, settings: SettingsRepoDep) -> RateLimitsOutput:
        return await GetRateLimitSetting(settings, defaults).execute()

    @router.put("/rate-limits", response_model=RateLimitsOutput, responses=UPDATE_ANSWERS)
    async def putRateLimits(
        data: RateLimitsInput, admin: SuperadminDep, settings: SettingsRepoDep, users: UsersDep,
        publisher: PublisherDep, audit: AuditDep, session: SessionDep, context: ContextDep,
    ) -> RateLimitsOutput:
        useCase = UpdateRateLimitSetting(settings, users, publisher, audit, session, defaults)
        return await useCase.execute(admin, data, context)

    return router
