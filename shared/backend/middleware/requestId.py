from __future__ import annotations

import re
import time

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.backend.exceptions.envelope import REQUEST_ID_HEADER
from shared.backend.loggingFactory import bindRequestContext, clearRequestContext, getSystemLogger
from shared.backend.utils.uuid import generateId

# fullmatch: `$` would also match before a final newline.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,128}")
logger = getSystemLogger("http")


def requestIdFrom(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if VALID_REQUEST_ID.fullmatch(candidate):
                return candidate
            break
    return generateId().hex


# Binds the request id to the logs and the answer. The request's own line is INFO when it failed or was slow
# and DEBUG otherwise: the gateway's access log already records every request under the same id, and a
# line per request cost ~8% of a GET me's worker CPU (docs/decisions.md).
class RequestIdMiddleware:
    def __init__(self, app: ASGIApp, *, slowRequestMs: float) -> None:
        self.app = app
        self.slowRequestMs = slowRequestMs

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
            durationMs = round((time.perf_counter() - started) * 1000, 2)
            noteworthy = status >= 400 or durationMs >= self.slowRequestMs
            log = logger.performance if noteworthy else logger.performanceDetail
            log("http_request", "request served", method=scope["method"], path=scope["path"], status=status,
                duration_ms=durationMs)
            clearRequestContext()
