from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, MetaData, SQLModel

from shared.backend.database.baseRepository import BaseRepository
from shared.backend.database.engine import Database
from shared.backend.utils.uuid import generateId


class ScratchBase(SQLModel, metadata=MetaData()):
    pass


class Note(ScratchBase, table=True):
    __tablename__ = "scratch_after_commit"
    id: uuid.UUID = Field(primary_key=True)


class NoteRepository(BaseRepository[Note]):
    model = Note


# An action runs once when its transaction commits, never when it rolls back, is closed or fails to commit.
async def test_actionsRunOnlyForCommittedTransactions(database: Database) -> None:
    ran: list[str] = []
    async with database.sessionFactory() as session:
        notes = NoteRepository(session)
        notes.afterCommit(lambda: ran.append("before any statement"))
        await session.execute(text("SELECT 1"))
        notes.afterCommit(lambda: ran.append("committed"))
        assert ran == []
        await session.commit()
        assert ran == ["before any statement", "committed"]
        await session.execute(text("SELECT 1"))
        notes.afterCommit(lambda: ran.append("rolled back"))
        await session.rollback()
        await session.commit()
        await session.execute(text("SELECT 1"))
        notes.afterCommit(lambda: ran.append("closed"))
    async with database.sessionFactory() as session:
        await session.commit()
    assert ran == ["before any statement", "committed"]


async def test_aCommitThatFailsRunsNothing(database: Database) -> None:
    ran: list[str] = []
    async with database.sessionFactory() as session:
        await session.execute(text("CREATE TEMP TABLE scratch_after_commit (id uuid PRIMARY KEY)"))
        notes, noteId = NoteRepository(session), generateId()
        await session.execute(text("INSERT INTO scratch_after_commit VALUES (:id)"), {"id": noteId})
        notes.stage(Note(id=noteId))  # written by the commit's flush, which the primary key refuses
        notes.afterCommit(lambda: ran.append("failed commit"))
        with pytest.raises(IntegrityError):
            await session.commit()
        await session.rollback()
        await session.commit()
    assert ran == []


def failingAction() -> None:
    raise RuntimeError("log sink gone")


# The commit stands and the other actions run when one action fails.
async def test_aFailingActionNeitherFailsTheCommitNorStopsTheRest(database: Database) -> None:
    ran: list[str] = []
    async with database.sessionFactory() as session:
        notes = NoteRepository(session)
        await session.execute(text("SELECT 1"))
        notes.afterCommit(failingAction)
        notes.afterCommit(lambda: ran.append("after the failing one"))
        await session.commit()
    assert ran == ["after the failing one"]


async def test_aSavepointReleaseIsNotTheCommit(database: Database) -> None:
    ran: list[str] = []
    async with database.sessionFactory() as session:
        await session.execute(text("SELECT 1"))
        savepoint = await session.begin_nested()
        NoteRepository(session).afterCommit(lambda: ran.append("committed"))
        await savepoint.commit()
        assert ran == []
        await session.commit()
    assert ran == ["committed"]
