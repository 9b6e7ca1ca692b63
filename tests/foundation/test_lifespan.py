from __future__ import annotations

import dataclasses
import gc

from fastapi import FastAPI
from sqlalchemy import text

from shared.backend.config.settings import Settings
from shared.backend.database.engine import Database
from shared.backend.utils.uuid import generateId
from tests.support.inProcess import runningApp


def buildAdminApp(settings: Settings) -> FastAPI:
    from admin_server import createAdminApp

    return createAdminApp(settings)


async def test_startupObjectsAreFrozenWhileServingAndGivenBackAtShutdown(settings: Settings) -> None:
    gc.unfreeze()
    async with runningApp(buildAdminApp(settings)) as client:
        assert (await client.get("/health")).status_code == 200
        frozen = gc.get_freeze_count()
    assert frozen > 10_000
    assert gc.get_freeze_count() == 0


async def test_youngGenerationThresholdAppliesWhileServingAndIsRestoredAtShutdown(settings: Settings) -> None:
    before = gc.get_threshold()
    configured = dataclasses.replace(settings, app=settings.app.model_copy(update={"gcYoungThreshold": 12_345}))
    async with runningApp(buildAdminApp(configured)) as client:
        assert (await client.get("/health")).status_code == 200
        serving = gc.get_threshold()
    assert serving == (12_345, *before[1:])
    assert gc.get_threshold() == before


async def test_autocommitPoolCommitsEachStatementByItself(database: Database) -> None:
    entryId = generateId()
    session = database.autocommitSessionFactory()
    try:
        await session.execute(text("INSERT INTO audit_logs (id, actor_type, action, outcome) "
                                   "VALUES (:id, 'system', 'test.autocommit', 'success')"), {"id": entryId})
        await session.rollback()
    finally:
        await session.close()
    async with database.engine.connect() as connection:
        stored = await connection.execute(text("SELECT count(*) FROM audit_logs WHERE id = :id"), {"id": entryId})
        assert stored.scalar_one() == 1
