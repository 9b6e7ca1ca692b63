from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from KSysAdmin.backend.application.getDailyStats import GetDailyStats
from KSysAdmin.backend.application.statsOutput import DailyStatsPageOutput
from KSysAdmin.backend.domain.dailyStats import MAX_DAYS, MIN_DAYS
from KSysAdmin.backend.infrastructure.http.dependencies import AdminDep, StatsDep
from shared.backend.dependenciesFirstRoute import DependenciesFirstRoute


def createStatsRoutes() -> APIRouter:
    router = APIRouter(prefix="/stats", route_class=DependenciesFirstRoute)

    # Read-only like the other admin lists: not audited.
    @router.get("/daily", response_model=DailyStatsPageOutput)
    async def dailyStats(
        admin: AdminDep, stats: StatsDep, days: Annotated[int, Query(ge=MIN_DAYS, le=MAX_DAYS)] = 30
    ) -> DailyStatsPageOutput:
        return await GetDailyStats(stats).execute(days)

    return router
