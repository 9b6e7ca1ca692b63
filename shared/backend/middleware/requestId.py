from __future__ import annotations

import re
import time

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.backend.exceptions.envelope import REQUEST_ID_HEADER
from shared.backend.loggingFactory import bindRequestContext, clearRequestContext, getSystemLogger
from shared.backend.utils.uuid import generateId

VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")
logger = getSystemLogger("http")


def requestIdFrom(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if VALID_REQUEST_ID.match(candidate):
                return candidate
            break
    return generateId().hex


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        requestId = requestIdFrom(scope)
        scope.setdefault("state", {})["requestId"] = requestId
        bindRequestContext(requestId)
        started = time.perf_counter()
        status = 500

        async def sendWithId(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = requestId
            await send(message)

        try:
            await self.app(scope, receive, sendWithId)
        finally:
            logger.performance("http_request", "request served", method=scope["method"], path=scope["path"],
                               status=status, duration_ms=round((time.perf_counter() - started) * 1000, 2))
            clearRequestContext()
