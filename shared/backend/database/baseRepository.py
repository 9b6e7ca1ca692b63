from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from shared.backend.database.afterCommit import runAfterCommit

ModelT = TypeVar("ModelT", bound=SQLModel)
StatementT = TypeVar("StatementT", bound=Select)  # type: ignore[type-arg]


# The rows locked FOR UPDATE and read afresh: the session's identity map may hold a row as an earlier unlocked
# read saw it, and without populate_existing that copy would stand in for the locked one.
def lockedForUpdate(statement: StatementT, of: object = None) -> StatementT:
    return statement.with_for_update(of=of).execution_options(populate_existing=True)  # type: ignore[arg-type]


class BaseRepository(Generic[ModelT]):
    model: type[ModelT]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def getById(self, id: uuid.UUID, forUpdate: bool = False) -> ModelT | None:
        statement = select(self.model).where(self.model.id == id)  # type: ignore[attr-defined]
        if forUpdate:
            statement = lockedForUpdate(statement)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def getMany(self, ids: Sequence[uuid.UUID]) -> list[ModelT]:
        if not ids:
            return []
        statement = select(self.model).where(self.model.id.in_(ids))  # type: ignore[attr-defined]
        return list((await self.session.execute(statement)).scalars().all())

    async def add(self, entity: ModelT) -> ModelT:
        self.session.add(entity)
        await self.session.flush()
        return entity

    # Joins the unit of work without a flush: written by the commit, together with whatever else is
    # pending (a flush costs ~0.9 ms of CPU here). For rows nothing in the transaction reads or updates
    # afterwards and whose constraints cannot fail on their own (client-made ids).
    def stage(self, entity: ModelT) -> ModelT:
        self.session.add(entity)
        return entity

    # Runs action once this session's transaction commits; a rollback drops it.
    def afterCommit(self, action: Callable[[], None]) -> None:
        runAfterCommit(self.session, action)

    async def save(self, entity: ModelT) -> ModelT:
        merged = await self.session.merge(entity)
        await self.session.flush()
        return merged

    async def delete(self, entity: ModelT) -> None:
        await self.session.delete(entity)
        await self.session.flush()
