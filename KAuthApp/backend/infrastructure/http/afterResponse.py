from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import BackgroundTasks, Request

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.infrastructure.http.dependencies import buildAuthPorts
from shared.backend.database.engine import requestSession
from shared.backend.loggingFactory import getSystemLogger

logger = getSystemLogger("kauth.after_response")
Work = Callable[[AuthPorts], Awaitable[object]]


# Forgot-password and resend answer alike for every address, but their work does not: a known address had
# its link written before the answer, ~2 ms (a third of the answer's time through the gateway) that told
# accounts apart. The use case therefore runs once the answer is sent, in its own session and transaction,
# and its mails go out after its commit. A failure is logged: the answer is the same 202 anyway.
def runAfterResponse(request: Request, background: BackgroundTasks, work: Work) -> None:
    background.add_task(runWork, request, work)


async def runWork(request: Request, work: Work) -> None:
    mails = BackgroundTasks()
    try:
        async with requestSession(request.app.state.database) as session:
            await work(buildAuthPorts(request, mails, session))
    except Exception as error:
        logger.error("after_response_failed", "an auth request's work failed after its answer", error,
                     path=request.url.path)
        return
    await mails()
