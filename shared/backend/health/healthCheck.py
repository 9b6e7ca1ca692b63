from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from shared.backend.exceptions.envelope import errorResponse
from shared.backend.loggingFactory import getSystemLogger

CHECK_TIMEOUT_SECONDS = 2.0

# A check returns its latency in milliseconds or raises when the component is down.
HealthProbe = Callable[[], Awaitable[float]]
logger = getSystemLogger("health")


async def runProbe(name: str, probe: HealthProbe) -> dict[str, object]:
    try:
        latency = await asyncio.wait_for(probe(), CHECK_TIMEOUT_SECONDS)
    except Exception as error:
        logger.warning("health_probe_failed", f"{name} is down", component=name, error_type=type(error).__name__)
        return {"component": name, "status": "down", "error": type(error).__name__}
    return {"component": name, "status": "up", "latencyMs": round(latency, 2)}


def createHealthRouter(probesOf: Callable[[Request], dict[str, HealthProbe]]) -> APIRouter:
    router = APIRouter()

    # HEAD too, for load balancers and uptime probes: the server sends GET's status and headers, no body. One
    # route, so a 405 allows both; out of the schema, where GET and HEAD would share an operation id.
    @router.api_route("/health", methods=["GET", "HEAD"], include_in_schema=False)
    async def health(request: Request) -> JSONResponse:
        probes = probesOf(request)
        results = await asyncio.gather(*(runProbe(name, probe) for name, probe in probes.items()))
        down = [result["component"] for result in results if result["status"] == "down"]
        if down:
            return errorResponse(503, "service_unavailable", f"unavailable: {', '.join(map(str, down))}",
                                 getattr(request.state, "requestId", None), results)
        return JSONResponse({"status": "up", "components": {str(r["component"]): r for r in results}})

    return router
