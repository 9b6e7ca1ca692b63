from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI

from KSysAdmin.backend.application.publishStoredSettings import PublishStoredSettings
from KSysAdmin.backend.domain.settingsDocuments import SettingName
from KSysAdmin.backend.infrastructure.database.settingsRepository import SettingsRepository
from KSysAdmin.backend.infrastructure.redis.settingsPublisher import RedisSettingsPublisher, settingsKey
from shared.backend.background.periodicTask import Work, periodicTask
from shared.backend.exceptions.dependencyErrors import classify
from shared.backend.loggingFactory import getSystemLogger

# One watcher pass at a time across admin server processes (any stable 64-bit number).
WATCH_LOCK_KEY = 7_300_003
WATCH_SECONDS = 5.0
LABEL = "admin_settings_watch"
KEYS = [settingsKey(name.value) for name in (SettingName.CORS, SettingName.RATE_LIMITS)]

logger = getSystemLogger("admin.settings")


# Redis keeps nothing on disk: after a restart or a flush the published settings are gone, so the gateway falls
# back to its default rules and a public server that starts takes CORS_ORIGINS alone. When a key is missing,
# what PostgreSQL holds is published again (a name never stored has no key: PostgreSQL is read each pass then).
def republishMissing(app: FastAPI) -> Work:
    async def run(_stopping: Callable[[], bool]) -> None:
        try:
            if await app.state.redis.exists(*KEYS) == len(KEYS):
                return
            async with app.state.database.sessionFactory() as session:
                published = await PublishStoredSettings(SettingsRepository(session),
                                                        RedisSettingsPublisher(app.state.redis)).execute()
        except Exception as error:
            if classify(error) is None:
                raise
            return  # an outage: /health reports it, and the next pass tries again
        if published:
            logger.application("settings_republished", "Settings missing from Redis published again",
                               settings=published)

    return run


# ServiceSpec hook: the watch, at startup and then every WATCH_SECONDS.
def settingsWatchHook(app: FastAPI) -> AbstractAsyncContextManager[None]:
    @asynccontextmanager
    async def run() -> AsyncIterator[None]:
        async with periodicTask(app.state.database.engine, WATCH_LOCK_KEY, LABEL, republishMissing(app),
                                WATCH_SECONDS):
            yield

    return run()
