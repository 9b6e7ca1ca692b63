from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress

from sqlalchemy.ext.asyncio import AsyncEngine

from shared.backend.background.shutdown import Shutdown
from shared.backend.database.advisoryLock import advisoryLock
from shared.backend.loggingFactory import getSystemLogger
from shared.backend.utils.tasks import cancelAndWait

logger = getSystemLogger("background")

# A failure repeated pass after pass (an outage) is logged again at most this often, without its traceback.
REPEAT_LOG_SECONDS = 60.0

# work(stopping) should return early once stopping() is true (shutdown).
Work = Callable[[Callable[[], bool]], Awaitable[object]]


# Logs a task's failed passes: the first of a kind at error level with its traceback, the same one again as a
# warning with the count at most every REPEAT_LOG_SECONDS, and the first pass that works after them.
class FailureStreak:
    def __init__(self, label: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.label = label
        self.clock = clock
        self.failures = 0
        self.kind: tuple[str, str] | None = None
        self.loggedAt = 0.0

    def failed(self, error: Exception) -> None:
        self.failures += 1
        kind = (type(error).__name__, str(error))
        now = self.clock()
        if kind != self.kind:
            self.kind, self.loggedAt = kind, now
            logger.error(f"{self.label}_pass_failed", "A background pass failed", error, task=self.label,
                         failures=self.failures)
        elif now - self.loggedAt >= REPEAT_LOG_SECONDS:
            self.loggedAt = now
            logger.warning(f"{self.label}_pass_still_failing", "A background pass failed again, as before",
                           task=self.label, failures=self.failures, error_type=kind[0])

    def succeeded(self) -> None:
        if self.failures:
            logger.application(f"{self.label}_pass_recovered", "A background pass worked after failed ones",
                               task=self.label, failures=self.failures)
        self.failures, self.kind = 0, None


# One pass under the advisory lock lockKey: False (nothing run) while another process holds it.
async def runLockedPass(engine: AsyncEngine, lockKey: int, work: Callable[[], Awaitable[object]]) -> bool:
    async with advisoryLock(engine, lockKey) as acquired:
        if not acquired:
            return False
        await work()
        return True


async def runForever(engine: AsyncEngine, lockKey: int, label: str, work: Work, intervalSeconds: float,
                     stop: asyncio.Event) -> None:
    streak = FailureStreak(label)
    while not stop.is_set():
        try:
            await runLockedPass(engine, lockKey, lambda: work(stop.is_set))
        except Exception as error:
            # Never fatal: the next pass tries again.
            streak.failed(error)
        else:
            streak.succeeded()
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), intervalSeconds)


# Runs work at once and then every intervalSeconds, one process at a time (lockKey), until the block ends or the
# app's shutdown (shared with its other tasks; a task of its own when none is given) starts.
@asynccontextmanager
async def periodicTask(
    engine: AsyncEngine, lockKey: int, label: str, work: Work, intervalSeconds: float,
    shutdown: Shutdown | None = None,
) -> AsyncIterator[asyncio.Task[None]]:
    shutdown = shutdown or Shutdown()
    task = asyncio.create_task(runForever(engine, lockKey, label, work, intervalSeconds, shutdown.stopping),
                               name=label.replace("_", "-"))
    logger.application(f"{label}_started", "Background task started", task=label, interval_s=intervalSeconds)
    try:
        yield task
    finally:
        # Let a running pass end between queries (cancelling mid-query can wedge a pooled connection).
        try:
            await asyncio.wait_for(asyncio.shield(task), shutdown.graceLeft())
        except TimeoutError:
            await cancelAndWait(task)
        logger.application(f"{label}_stopped", "Background task stopped", task=label)
