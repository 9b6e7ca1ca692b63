from __future__ import annotations

import asyncio
from collections.abc import Coroutine

from shared.backend.loggingFactory import getSystemLogger
from shared.backend.utils.tasks import cancelAndWait

logger = getSystemLogger("payment.cleanup")
# At shutdown, cleanups still running may finish for this long; then they are cancelled.
STOP_GRACE_SECONDS = 5.0


# Best-effort cleanups a request starts and does not wait for (deleting the VA of a timed-out create): each
# logs its own failure; the set keeps them referenced until they end, and shutdown waits for them.
class CleanupTasks:
    def __init__(self) -> None:
        self.running: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[object, object, None]) -> None:
        task = asyncio.create_task(work, name="payment-cleanup")
        self.running.add(task)
        task.add_done_callback(self.finished)

    def finished(self, task: asyncio.Task[None]) -> None:
        self.running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("payment_cleanup_failed", "A payment cleanup failed", task.exception())

    async def drain(self, timeoutSeconds: float | None = None) -> None:
        if self.running:
            await asyncio.wait(list(self.running), timeout=timeoutSeconds)

    async def close(self) -> None:
        await self.drain(STOP_GRACE_SECONDS)
        for task in list(self.running):
            await cancelAndWait(task)
