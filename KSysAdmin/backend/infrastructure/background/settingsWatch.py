from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI

from KSysAdmin.backend.application.publishStoredSettings import PublishStoredSettings
from KSysAdmin.backend.domain.models.systemSetting import SystemSetting
from KSysAdmin.backend.domain.settingsDocuments import SettingName, unstoredDocument
from KSysAdmin.backend.infrastructure.database.settingsRepository import SettingsRepository
from KSysAdmin.backend.infrastructure.redis.settingsPublisher import RedisSettingsPublisher, settingsKey
from shared.backend.background.periodicTask import Work, periodicTask
from shared.backend.exceptions.dependencyErrors import classify
from shared.backend.loggingFactory import getSystemLogger

# One watcher pass at a time across admin server processes (any stable 64-bit number).
WATCH_LOCK_KEY = 7_300_003
WATCH_SECONDS = 5.0
LABEL = "admin_settings_watch"
NAMES = [SettingName.CORS.value, SettingName.RATE_LIMITS.value]
KEYS = [settingsKey(name) for name in NAMES]

logger = getSystemLogger("admin.settings")


# A document no reader can use answers UNREADABLE, a version PostgreSQL never holds: it is replaced or removed.
UNREADABLE = -1


def publishedVersion(raw: str | None) -> int | None:
    try:
        return None if raw is None else int(json.loads(raw)["version"])
    except (ValueError, KeyError, TypeError):
        return UNREADABLE


# The version a key should hold: PostgreSQL's, or for a setting it does not hold its unstoredDocument's (None: no key).
def wantedVersion(name: str, stored: SystemSetting | None) -> int | None:
    if stored is not None:
        return stored.version
    document = unstoredDocument(name)
    return None if document is None else publishedVersion(json.dumps(document))


# Redis keeps nothing on disk: after a restart or a flush the published settings are gone, so the gateway falls
# back to its default rules, a running server keeps its CORS origins and one that starts takes CORS_ORIGINS alone.
# A change whose publish failed (503 settings_not_published) while Redis kept its data leaves the older version
# there. When a key is missing or holds another version than the wanted one, what PostgreSQL holds is published
# again (for CORS it holds none of, the document that brings CORS_ORIGINS back); a rate-limits key PostgreSQL holds
# none of (a restore to a backup taken before any save) is removed, so that the gateway's defaults apply.
def republishStale(app: FastAPI) -> Work:
    async def run(_stopping: Callable[[], bool]) -> None:
        try:
            published = [publishedVersion(raw) for raw in await app.state.redis.mget(KEYS)]
            async with app.state.database.sessionFactory() as session:
                repository = SettingsRepository(session)
                stored = [await repository.get(name) for name in NAMES]
                if published == [wantedVersion(name, setting) for name, setting in zip(NAMES, stored, strict=True)]:
                    return
                republished = await PublishStoredSettings(repository,
                                                          RedisSettingsPublisher(app.state.redis)).execute()
        except Exception as error:
            if classify(error) is None:
                raise
            return  # an outage: /health reports it, and the next pass tries again
        if republished.published:
            logger.application("settings_republished", "Settings missing or outdated in Redis published again",
                               settings=republished.published)
        if republished.removed:
            logger.application("settings_unpublished", "Settings PostgreSQL does not hold removed from Redis",
                               settings=republished.removed)

    return run


# ServiceSpec hook: the watch, at startup and then every WATCH_SECONDS.
def settingsWatchHook(app: FastAPI) -> AbstractAsyncContextManager[None]:
    @asynccontextmanager
    async def run() -> AsyncIterator[None]:
        async with periodicTask(app.state.database.engine, WATCH_LOCK_KEY, LABEL, republishStale(app),
                                WATCH_SECONDS, app.state.shutdown):
            yield

    return run()
