from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, MetaData, SQLModel

from shared.backend.database.baseRepository import BaseRepository
from shared.backend.utils.uuid import generateId


class ScratchBase(SQLModel, metadata=MetaData()):
    pass


class Widget(ScratchBase, table=True):
    __tablename__ = "scratch_widgets"
    id: uuid.UUID = Field(default_factory=generateId, primary_key=True)
    name: str


class WidgetRepository(BaseRepository[Widget]):
    model = Widget


async def test_crudInsideOneTransaction(dbSession: AsyncSession) -> None:
    await dbSession.execute(text("CREATE TEMP TABLE scratch_widgets (id uuid PRIMARY KEY, name text NOT NULL)"))
    repository = WidgetRepository(dbSession)
    first = await repository.add(Widget(name="first"))
    second = await repository.add(Widget(name="second"))
    assert (await repository.getById(first.id)) is first
    assert {w.name for w in await repository.getMany([first.id, second.id])} == {"first", "second"}
    assert await repository.getMany([]) == []
    locked = await repository.getById(second.id, forUpdate=True)
    assert locked is not None and locked.name == "second"
    await repository.delete(first)
    assert await repository.getById(first.id) is None
    count = (await dbSession.execute(text("SELECT count(*) FROM scratch_widgets"))).scalar_one()
    assert count == 1


# A locked read returns the row as it is now, not the copy an earlier unlocked read left in the session.
async def test_aLockedReadIsReadAfresh(dbSession: AsyncSession) -> None:
    await dbSession.execute(text("CREATE TEMP TABLE scratch_widgets (id uuid PRIMARY KEY, name text NOT NULL)"))
    repository = WidgetRepository(dbSession)
    widget = await repository.add(Widget(name="before"))
    await dbSession.execute(text("UPDATE scratch_widgets SET name = 'after' WHERE id = :id"), {"id": widget.id})
    assert (await repository.getById(widget.id)).name == "before"  # type: ignore[union-attr]
    locked = await repository.getById(widget.id, forUpdate=True)
    assert locked is widget and locked.name == "after"
