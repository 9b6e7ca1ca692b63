from __future__ import annotations

from fastapi import APIRouter

from KSysAdmin.backend.infrastructure.http.auditRoutes import createAuditRoutes
from KSysAdmin.backend.infrastructure.http.authRoutes import createAuthRoutes
from KSysAdmin.backend.infrastructure.http.paymentRoutes import createPaymentRoutes
from KSysAdmin.backend.infrastructure.http.settingsRoutes import createSettingsRoutes
from KSysAdmin.backend.infrastructure.http.statsRoutes import createStatsRoutes
from KSysAdmin.backend.infrastructure.http.userRoutes import createUserRoutes


def createAdminRouter() -> APIRouter:
    router = APIRouter(prefix="/api/admin", tags=["admin"])
    for child in (createAuthRoutes(), createUserRoutes(), createAuditRoutes(), createPaymentRoutes(),
                  createSettingsRoutes(), createStatsRoutes()):
        router.include_router(child)
    return router
