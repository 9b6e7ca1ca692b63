from __future__ import annotations

import asyncio

import pytest

from KSysPayment.backend.application.briDeadline import beforeDeadline
from KSysPayment.backend.domain.exceptions.gatewayErrors import GatewayTimeoutError


# A call that turns the first cancel into its own timeout and tries again, as the HTTP client does when the deadline's
# cancel lands as its own timeout fires: the deadline still ends it, where asyncio.timeout waited out the retry.
async def test_theDeadlineEndsACallThatSwallowsACancel() -> None:
    async def swallowing() -> None:
        try:
            await asyncio.sleep(3)
        except asyncio.CancelledError:
            await asyncio.sleep(3)

    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(GatewayTimeoutError):
        await beforeDeadline(swallowing(), started + 0.2)
    assert loop.time() - started < 1


# The caller cancelled (a request ended by shutdown) cancels its call to BRI too: none is left running.
async def test_cancellingTheCallerEndsItsCall() -> None:
    running, ended = asyncio.Event(), asyncio.Event()

    async def call() -> None:
        running.set()
        try:
            await asyncio.sleep(30)
        finally:
            ended.set()

    caller = asyncio.create_task(beforeDeadline(call(), asyncio.get_running_loop().time() + 30))
    await running.wait()
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert ended.is_set()
