from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import partial

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from KSysAdmin.backend.application.auditTrail import AuditTrail
from KSysAdmin.backend.application.purgeEndedRecords import PurgeEndedRecords, PurgeTools
from KSysAdmin.backend.infrastructure.database.auditLogRepository import AuditLogRepository
from KSysAdmin.backend.infrastructure.database.retentionRepository import RetentionRepository
from shared.backend.background.periodicTask import periodicTask
from shared.backend.config.settings import Settings

# One purge runner at a time across admin server processes (any stable 64-bit number).
PURGE_LOCK_KEY = 7_300_002
LABEL = "admin_purge_ended"


# One transaction: leaving the block without a commit rolls it back.
@asynccontextmanager
async def purgeTools(sessionFactory: async_sessionmaker[AsyncSession]) -> AsyncIterator[PurgeTools]:
    async with sessionFactory() as session:
        yield PurgeTools(RetentionRepository(session), AuditTrail(AuditLogRepository(session), session), session)


# ServiceSpec hook: the retention purge, at startup and then every AUTH_PURGE_INTERVAL_SECONDS.
def purgeHook(app: FastAPI) -> AbstractAsyncContextManager[None]:
    @asynccontextmanager
    async def run() -> AsyncIterator[None]:
        settings: Settings = app.state.settings
        database = app.state.database
        useCase = PurgeEndedRecords(partial(purgeTools, database.sessionFactory), settings.auth.endedRetentionDays)
        async with periodicTask(database.engine, PURGE_LOCK_KEY, LABEL, useCase.execute,
                                settings.auth.purgeIntervalSeconds, app.state.shutdown):
            yield

    return run()
