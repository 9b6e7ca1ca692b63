from __future__ import annotations

import asyncio
import contextlib

from shared.backend.utils.tasks import cancelAndWait


async def swallowsFirstCancel(stopped: asyncio.Event) -> None:
    # What a cancel landing on an expiring asyncio.timeout looks like to the task: it carries on.
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.sleep(30)
    try:
        await asyncio.sleep(30)
    finally:
        stopped.set()


async def test_aSwallowedCancelIsRepeatedUntilTheTaskEnds() -> None:
    stopped = asyncio.Event()
    task = asyncio.create_task(swallowsFirstCancel(stopped))
    await asyncio.sleep(0)
    await asyncio.wait_for(cancelAndWait(task), 2)
    assert task.cancelled()
    assert stopped.is_set()


async def test_aFinishedTaskIsLeftAlone() -> None:
    task = asyncio.create_task(asyncio.sleep(0, result="done"))
    await task
    await cancelAndWait(task)
    assert task.result() == "done"
