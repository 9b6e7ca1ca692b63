from __future__ import annotations

from datetime import date

from KSysAdmin.backend.application.dtoBase import OutputModel


class DailyStatsOutput(OutputModel):
    date: date
    signups: int
    logins: int
    failedLogins: int
    payments: int
    paidAmount: int


class DailyStatsPageOutput(OutputModel):
    days: list[DailyStatsOutput]
