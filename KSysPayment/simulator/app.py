from __future__ import annotations

import gc
import ipaddress
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from KSysPayment.simulator import brivaRoutes, devRoutes, qrisRoutes, tokenRoutes
from KSysPayment.simulator.simulatorContext import SnapReply, buildContext
from KSysPayment.simulator.simulatorSettings import SimulatorSettings


def isLoopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# Development tool: refuses anything that is not loopback, whatever the bind address. Pure ASGI: the
# simulator shares the bench's cores with the service it serves.
class LoopbackOnly:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] == "http" and not isLoopback(client[0] if client else None):
            forbidden = JSONResponse({"responseCode": "4030000", "responseMessage": "Forbidden"}, status_code=403)
            await forbidden(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def snapReplyHandler(_request: Request, error: Exception) -> Response:
    assert isinstance(error, SnapReply)  # noqa: S101 - registered for SnapReply only
    return JSONResponse(error.body, status_code=error.status)


def createSimulatorApp(settings: SimulatorSettings | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Keys and settings load at startup, never at import.
        context = buildContext(settings or SimulatorSettings())
        app.state.context = context
        # Startup's objects leave the collector's view, as in the servers (docs/decisions.md): a full
        # collection scanning them all paused every BRI call of the payment bench for ~60 ms.
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
        await context.httpClient.aclose()

    app = FastAPI(title="BRI SNAP simulator (development only)", lifespan=lifespan, docs_url="/simulator/docs",
                  openapi_url="/simulator/openapi.json", redoc_url=None)

    app.add_middleware(LoopbackOnly)
    app.add_exception_handler(SnapReply, snapReplyHandler)
    for module in (tokenRoutes, brivaRoutes, qrisRoutes, devRoutes):
        app.include_router(module.router)
    return app


app = createSimulatorApp()
