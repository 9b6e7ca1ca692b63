from __future__ import annotations

import gc
import ipaddress
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Address, IPv6Network

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from KSysPayment.simulator import brivaRoutes, devRoutes, qrisRoutes, tokenRoutes
from KSysPayment.simulator.simulatorContext import SnapReply, buildContext
from KSysPayment.simulator.simulatorSettings import SimulatorSettings, loadSimulatorSettings
from shared.backend.exceptions.serviceConfigurationError import ServiceConfigurationError
from shared.backend.startupFailure import StartupError, quietStartupFailures


def isLoopback(host: str | None) -> bool:
    return isAllowed(host, [])


def isAllowed(host: str | None, networks: Sequence[IPv4Network | IPv6Network]) -> bool:
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return False
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or any(address in network for network in networks)


# The networks allowed besides loopback: SIM_ALLOWED_NETWORKS, filled in at startup with the other settings.
@dataclass
class AllowedNetworks:
    networks: list[IPv4Network | IPv6Network] = field(default_factory=list)


# Development tool: refuses any client that is neither loopback nor in SIM_ALLOWED_NETWORKS, whatever the bind
# address. Pure ASGI: the simulator shares the bench's cores with the service it serves.
class AllowedClientsOnly:
    def __init__(self, app: ASGIApp, allowed: AllowedNetworks | None = None) -> None:
        self.app = app
        self.allowed = allowed or AllowedNetworks()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] == "http" and not isAllowed(client[0] if client else None, self.allowed.networks):
            forbidden = JSONResponse({"responseCode": "4030000", "responseMessage": "Forbidden"}, status_code=403)
            await forbidden(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def snapReplyHandler(_request: Request, error: Exception) -> Response:
    assert isinstance(error, SnapReply)  # noqa: S101 - registered for SnapReply only
    return JSONResponse(error.body, status_code=error.status)


def createSimulatorApp(settings: SimulatorSettings | None = None) -> FastAPI:
    quietStartupFailures()
    allowed = AllowedNetworks()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Keys and settings load at startup, never at import; a bad one stops it in one line naming its variable.
        try:
            loaded = settings or loadSimulatorSettings()
            context = buildContext(loaded)
        except ServiceConfigurationError as error:
            raise StartupError(f"BRI simulator cannot start: {error}") from None
        allowed.networks = list(loaded.allowedNetworks)
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

    app.add_middleware(AllowedClientsOnly, allowed=allowed)
    app.add_exception_handler(SnapReply, snapReplyHandler)
    for module in (tokenRoutes, brivaRoutes, qrisRoutes, devRoutes):
        app.include_router(module.router)
    return app


app = createSimulatorApp()
