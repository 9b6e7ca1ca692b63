from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import TypeVar

from KSysPayment.backend.domain.exceptions.gatewayErrors import GatewayTimeoutError
from shared.backend.utils.tasks import cancelAndWait

# A user waits for a create or a cancel behind nginx's proxy_read_timeout (30 s): the calls to BRI either makes
# (a token fetch retried up to 3 x BRI_TIMEOUT_SECONDS, then the create-va or the status, delete and status calls)
# end within this many seconds, leaving the rest for the database and the answer.
BRI_DEADLINE_SECONDS = 24.0
# BRI waits under 10 s for our answer to its notification: the QRIS query confirming an RSA-signed report (a token
# fetch and the query, each retried, each up to BRI_TIMEOUT_SECONDS) ends within this many seconds, so BRI gets a
# SNAP answer (500, it retries) with time left for the settlement. No setting fits: BRI_TIMEOUT_SECONDS is per call.
QRIS_CONFIRM_SECONDS = 5.0
T = TypeVar("T")


async def beforeDeadline(call: Coroutine[object, object, T], deadline: float) -> T:
    # Only calls to BRI are cut: a database transaction is never cancelled midway. The call runs as its own task,
    # cancelled at the deadline until it ends: a cancel landing as the HTTP client's own timeout fires is swallowed on
    # Python 3.11 (cancelAndWait), and inside asyncio.timeout the call then went on retrying past the deadline.
    task = asyncio.ensure_future(call)
    try:
        done, _ = await asyncio.wait([task], timeout=max(0.0, deadline - asyncio.get_running_loop().time()))
    except asyncio.CancelledError:
        await cancelAndWait(task)
        raise
    if not done:
        await cancelAndWait(task)
        raise GatewayTimeoutError("BRI did not answer within the request's deadline")
    return task.result()
