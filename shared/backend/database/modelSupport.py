from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, MetaData, func
from sqlalchemy.orm import registry

# One constraint naming convention for every table, so migrations stay stable.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Each service declares its tables in a registry of its own (see docs/decisions.md).
def newRegistry() -> registry:
    return registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))


def utcNow() -> datetime:
    return datetime.now(UTC)


def timestampColumn(name: str, nullable: bool = False, withDefault: bool = True) -> Column[datetime]:
    if withDefault:
        return Column(name, DateTime(timezone=True), nullable=nullable, server_default=func.now())
    return Column(name, DateTime(timezone=True), nullable=nullable)


def checkIn(column: str, values: list[str]) -> str:
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"
