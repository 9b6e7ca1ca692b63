from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.backend.exceptions.envelope import errorResponse
from shared.backend.loggingFactory import getSystemLogger

logger = getSystemLogger("errors")


# Answers an unexpected exception with the 500 envelope and does not re-raise it, so the server keeps
# the keep-alive connection (re-raising makes uvicorn drop it and the gateway's next request on it
# fails with 502). A request still running when uvicorn's graceful shutdown times out is cancelled: it
# answers 503 with Retry-After in the envelope (uvicorn's own answer would be a text/plain 500), then the
# cancellation goes on.
class UnhandledErrorMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def trackingSend(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, trackingSend)
        except asyncio.CancelledError:
            if not started:
                logger.warning("request_cancelled", "Request cancelled by the server's shutdown",
                               method=scope.get("method"), path=scope.get("path"))
                requestId = scope.get("state", {}).get("requestId")
                await errorResponse(503, "service_unavailable", "The server is restarting: retry shortly",
                                    requestId)(scope, receive, send)
            raise
        except Exception as error:
            logger.error("unhandled_exception", "Unhandled exception while serving a request", error,
                         method=scope.get("method"), path=scope.get("path"))
            if started:
                raise
            requestId = scope.get("state", {}).get("requestId")
            await errorResponse(500, "internal_error", "An unexpected error occurred", requestId)(scope, receive, send)
