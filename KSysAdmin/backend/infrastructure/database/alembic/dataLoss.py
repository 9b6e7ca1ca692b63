from __future__ import annotations

from collections.abc import Callable, Iterable

import sqlalchemy as sa
from alembic import context
from alembic.runtime.migration import MigrationContext, MigrationStep, RevisionStep
from alembic.util import CommandError

# A migration whose downgrade drops data its upgrade cannot bring back names it in DATA_DROPPED: table -> the columns
# dropped, or () for the whole table. Such a downgrade is refused while rows hold that data, unless the operator
# accepts the loss with `-x dropData=true`.
ACCEPT_ARGUMENT = "dropData"

Plan = Callable[[tuple[str, ...], MigrationContext], Iterable[MigrationStep]]


def lossAccepted() -> bool:
    return context.get_x_argument(as_dictionary=True).get(ACCEPT_ARGUMENT, "").lower() == "true"


def holdersLabel(table: str, columns: tuple[str, ...]) -> str:
    return ", ".join(f"{table}.{column}" for column in columns) if columns else f"table {table}"


# Rows of the table, or rows where any of the columns is set.
def countHolders(connection: sa.Connection, table: str, columns: tuple[str, ...]) -> int:
    query = sa.select(sa.func.count()).select_from(sa.table(table))
    if columns:
        query = query.where(sa.or_(*(sa.column(column).is_not(None) for column in columns)))
    return connection.execute(query).scalar_one()


# What each downgrade step of the plan would drop: "migration 0011 drops payments.flag_resolved_at (2 rows hold
# data)". Offline (--sql) nothing can be counted, so every declared drop is named.
def dataAtRisk(migrationContext: MigrationContext, steps: list[MigrationStep]) -> list[str]:
    found = []
    for step in steps:
        if not (isinstance(step, RevisionStep) and step.is_downgrade):
            continue
        for table, columns in getattr(step.revision.module, "DATA_DROPPED", {}).items():
            label = f"migration {step.revision.revision} drops {holdersLabel(table, columns)}"
            if migrationContext.as_sql:
                found.append(label)
                continue
            count = countHolders(migrationContext.bind, table, columns)
            if count:
                found.append(f"{label} ({count} {'row holds' if count == 1 else 'rows hold'} data)")
    return found


def refuseDataLoss(migrationContext: MigrationContext, steps: list[MigrationStep]) -> None:
    if lossAccepted():
        return
    found = dataAtRisk(migrationContext, steps)
    if not found:
        return
    counted = "" if migrationContext.as_sql else "; nothing was changed"
    raise CommandError(f"downgrade refused, the upgrade could not restore what it drops: {'; '.join(found)}"
                       f"{counted}. To accept the loss, run it again with -x {ACCEPT_ARGUMENT}=true "
                       f"(uv run alembic -x {ACCEPT_ARGUMENT}=true downgrade <revision>)")


# The whole plan is checked before its first step runs: a step can commit on its own (an autocommit block), so a
# refusal half-way would leave the steps above it done.
def guardDowngrades(migrationContext: MigrationContext) -> None:
    plan: Plan | None = migrationContext._migrations_fn
    if plan is None:
        return

    def checkedPlan(heads: tuple[str, ...], ctx: MigrationContext) -> list[MigrationStep]:
        steps = list(plan(heads, ctx))
        refuseDataLoss(ctx, steps)
        return steps

    migrationContext._migrations_fn = checkedPlan
