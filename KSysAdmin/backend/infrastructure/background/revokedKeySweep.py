from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime, timedelta

from fastapi import FastAPI
from redis.asyncio import Redis

from KSysAdmin.backend.infrastructure.database.revokedSessionRepository import Position, RevokedSessionRepository
from shared.backend.background.periodicTask import periodicTask
from shared.backend.config.settings import Settings
from shared.backend.database.engine import Database
from shared.backend.database.modelSupport import utcNow
from shared.backend.loggingFactory import getSystemLogger
from shared.backend.security.sessionStore import sessionKey

# One sweep at a time across admin server processes (any stable 64-bit number).
SWEEP_LOCK_KEY = 7_300_004
LABEL = "admin_revoked_key_sweep"
# Sessions read, and keys deleted by one DEL, per batch.
BATCH = 500
# revoked_at is the revoking request's clock, read before its commit (after an Argon2 hash or a row lock, on
# another server): each pass reads again what was revoked this long before the previous pass began.
OVERLAP = timedelta(seconds=60)
FIRST_ID = uuid.UUID(int=0)

logger = getSystemLogger("admin.sessions")


# A revocation marks the session row revoked, commits, then deletes the session's Redis key; when that delete
# failed (503, session_keys_not_removed) the key survived, and the payment API, which checks only the key, kept
# honouring the session's tokens. Each pass deletes the keys of the sessions revoked since the last pass that
# finished; the first covers a key's longest lifetime. Keys of live sessions are never named.
class RevokedKeySweep:
    def __init__(self, database: Database, redis: Redis, keyLifetime: timedelta) -> None:
        self.database = database
        self.redis = redis
        self.keyLifetime = keyLifetime
        self.since: datetime | None = None

    async def run(self, stopping: Callable[[], bool]) -> None:
        startedAt = utcNow()
        position: Position = (self.since or startedAt - self.keyLifetime, FIRST_ID)
        removed = 0
        try:
            while not stopping():
                async with self.database.autocommitSessionFactory() as session:
                    revoked = await RevokedSessionRepository(session).revokedAfter(position, BATCH)
                if revoked:
                    removed += int(await self.redis.delete(*[sessionKey(str(sessionId)) for _, sessionId in revoked]))
                    position = revoked[-1]
                if len(revoked) < BATCH:
                    self.since = startedAt - OVERLAP
                    return
        finally:
            if removed:
                logger.security("revoked_session_keys_removed", "Deleted Redis keys that revoked sessions kept",
                                removed=removed)


# ServiceSpec hook: the sweep, at startup and then every AUTH_REVOKED_KEY_SWEEP_SECONDS. A key lives at most the
# idle timeout (its TTL is the session's remaining window, and the idle timeout never exceeds the absolute one).
def revokedKeySweepHook(app: FastAPI) -> AbstractAsyncContextManager[None]:
    @asynccontextmanager
    async def run() -> AsyncIterator[None]:
        settings: Settings = app.state.settings
        keyLifetime = timedelta(seconds=settings.auth.sessionIdleSeconds)
        sweep = RevokedKeySweep(app.state.database, app.state.redis, keyLifetime)
        async with periodicTask(app.state.database.engine, SWEEP_LOCK_KEY, LABEL, sweep.run,
                                settings.auth.revokedKeySweepSeconds, app.state.shutdown):
            yield

    return run()
