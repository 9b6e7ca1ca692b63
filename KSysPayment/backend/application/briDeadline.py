from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from KSysPayment.backend.domain.exceptions.gatewayErrors import GatewayTimeoutError

# A user waits for a create or a cancel behind nginx's proxy_read_timeout (30 s): the calls to BRI either makes
# (a token fetch retried up to 3 x BRI_TIMEOUT_SECONDS, then the create-va or the status, delete and status calls)
# end within this many seconds, leaving the rest for the database and the answer.
BRI_DEADLINE_SECONDS = 24.0
T = TypeVar("T")


async def beforeDeadline(call: Awaitable[T], deadline: float) -> T:
    # Only calls to BRI are cut: a database transaction is never cancelled midway.
    try:
        async with asyncio.timeout_at(deadline):
            return await call
    except TimeoutError:
        raise GatewayTimeoutError("BRI did not answer within the request's deadline") from None
