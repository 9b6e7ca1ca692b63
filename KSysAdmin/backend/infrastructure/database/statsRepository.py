from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Date, Integer, Select, cast, func, literal, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from KSysAdmin.backend.domain.dailyStats import DailyStats
from KSysAdmin.backend.domain.models.auditLog import AuditLog, AuditOutcome
from KSysAdmin.backend.domain.models.payment import Payment
from KSysAdmin.backend.domain.models.user import User


# The UTC calendar day of a timestamptz; 'UTC' is inlined so GROUP BY repeats the same expression.
def utcDay(column: ColumnElement[datetime]) -> ColumnElement[date]:
    return cast(func.timezone(literal_column("'UTC'"), column), Date)


def perDay(column: ColumnElement[datetime], since: datetime, until: datetime) -> Select[tuple[date]]:
    # A range on the raw column (never on the day expression), so each count can use its index.
    day = utcDay(column)
    return select(day.label("day")).where(column >= since, column < until).group_by(day)


class StatsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def daily(self, firstDay: date, days: int, loginAction: str) -> list[DailyStats]:
        since = datetime.combine(firstDay, time(), UTC)
        until = since + timedelta(days=days)
        series = func.generate_series(0, days - 1).table_valued("n").render_derived("series")
        day = (literal(firstDay, Date) + cast(series.c.n, Integer)).label("day")
        signups = perDay(User.createdAt, since, until).add_columns(func.count().label("value")).subquery("signups")
        logins = (
            perDay(AuditLog.createdAt, since, until)
            .add_columns(
                func.count().filter(AuditLog.outcome == AuditOutcome.SUCCESS.value).label("ok"),
                func.count().filter(AuditLog.outcome == AuditOutcome.FAILURE.value).label("failed"),
            )
            .where(AuditLog.action == loginAction)
            .subquery("logins")
        )
        created = perDay(Payment.createdAt, since, until).add_columns(func.count().label("value")).subquery("created")
        paid = (
            perDay(Payment.paidAt, since, until)
            .add_columns(func.sum(Payment.amount).label("value"))
            .subquery("paid")
        )
        statement = (
            select(
                day,
                func.coalesce(signups.c.value, 0),
                func.coalesce(logins.c.ok, 0),
                func.coalesce(logins.c.failed, 0),
                func.coalesce(created.c.value, 0),
                func.coalesce(paid.c.value, 0),
            )
            .select_from(series)
            .outerjoin(signups, signups.c.day == day)
            .outerjoin(logins, logins.c.day == day)
            .outerjoin(created, created.c.day == day)
            .outerjoin(paid, paid.c.day == day)
            .order_by(series.c.n)
        )
        rows = (await self.session.execute(statement)).all()
        return [
            DailyStats(day=row[0], signups=int(row[1]), logins=int(row[2]), failedLogins=int(row[3]),
                       payments=int(row[4]), paidAmount=int(row[5]))
            for row in rows
        ]
