from __future__ import annotations

from datetime import timedelta

from KSysAdmin.backend.application.statsOutput import DailyStatsOutput, DailyStatsPageOutput
from KSysAdmin.backend.domain.dailyStats import USER_LOGIN_ACTION
from KSysAdmin.backend.domain.interfaces.statsRepositoryInterface import StatsRepositoryInterface
from shared.backend.database.modelSupport import utcNow


# The last `days` UTC days, today included, oldest first; days without activity are zeros.
class GetDailyStats:
    def __init__(self, stats: StatsRepositoryInterface) -> None:
        self.stats = stats

    async def execute(self, days: int) -> DailyStatsPageOutput:
        firstDay = utcNow().date() - timedelta(days=days - 1)
        rows = await self.stats.daily(firstDay, days, USER_LOGIN_ACTION)
        return DailyStatsPageOutput(days=[
            DailyStatsOutput(date=row.day, signups=row.signups, logins=row.logins, failedLogins=row.failedLogins,
                             payments=row.payments, paidAmount=row.paidAmount)
            for row in rows
        ])
