from __future__ import annotations

from datetime import date
from typing import Protocol

from KSysAdmin.backend.domain.dailyStats import DailyStats


class StatsRepositoryInterface(Protocol):
    async def daily(self, firstDay: date, days: int, loginAction: str) -> list[DailyStats]: ...
