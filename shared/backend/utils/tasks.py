from __future__ import annotations

import asyncio

RECANCEL_SECONDS = 0.05


# Cancels a background task and waits for it to end. A cancel that lands just as an inner
# asyncio.timeout fires is swallowed on Python 3.11 (redis-py's get_message(timeout=...) does this), so
# the cancel is repeated until the task is done instead of waiting on a task that carries on.
async def cancelAndWait(task: asyncio.Task[object]) -> None:
    while not task.done():
        task.cancel()
        await asyncio.wait([task], timeout=RECANCEL_SECONDS)
