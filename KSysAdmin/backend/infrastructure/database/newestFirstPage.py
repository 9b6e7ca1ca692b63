from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from sqlalchemy import Select, select, tuple_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import SQLModel

from KSysAdmin.backend.domain.queries import KeysetPosition

Row = TypeVar("Row", bound=SQLModel)


# One page of rows newest first by (created_at, id): the caller's conditions, the time window [since, until)
# and the keyset position after which the page starts. The (created_at, id) order is every listing index's tail.
def newestFirstPage(
    model: type[Row],
    conditions: list[ColumnElement[bool]],
    window: tuple[datetime | None, datetime | None],
    after: KeysetPosition | None,
    limit: int,
) -> Select[tuple[Row]]:
    createdAt = model.createdAt  # type: ignore[attr-defined]
    rowId = model.id  # type: ignore[attr-defined]
    since, until = window
    allConditions = list(conditions)
    if since is not None:
        allConditions.append(createdAt >= since)
    if until is not None:
        allConditions.append(createdAt < until)
    if after is not None:
        allConditions.append(tuple_(createdAt, rowId) < tuple_(after.value, after.id))
    return select(model).where(*allConditions).order_by(createdAt.desc(), rowId.desc()).limit(limit)
