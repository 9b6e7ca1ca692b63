from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import uvicorn
from fastapi import FastAPI

from KSysPayment.backend.infrastructure.bri.briClient import BriSnapClient
from KSysPayment.backend.infrastructure.bri.inboundAuth import InboundAuthenticator
from KSysPayment.backend.infrastructure.bri.inboundTokens import inboundTokenKeys
from KSysPayment.backend.infrastructure.bri.keys import loadPublicKey
from KSysPayment.simulator.simulatorSettings import SimulatorSettings
from KSysPayment.tests.bri.merchantStub import PREFIX
from shared.backend.config.settings import BriSettings

CLIENT_ID = "merchant-client"
CLIENT_SECRET = "merchant-secret-0123456789"
INBOUND_CLIENT_ID = "bri-client"
MERCHANT_JWT_SECRET = "merchant-stub-jwt-secret-0123456789abcdef"


class QuietServer(uvicorn.Server):
    # Leave pytest's signal handling alone.
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def install_signal_handlers(self) -> None:
        return None


@contextlib.asynccontextmanager
async def runServer(app: FastAPI) -> AsyncIterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = QuietServer(uvicorn.Config(app, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("server stopped during startup")
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@dataclass
class Stub:
    url: str
    app: FastAPI


@dataclass
class Simulator:
    url: str
    settings: SimulatorSettings
    http: httpx2.AsyncClient

    async def stats(self) -> dict[str, object]:
        response = await self.http.get(f"{self.url}/simulator/payments")
        response.raise_for_status()
        data: dict[str, object] = response.json()
        return data

    async def calls(self, path: str) -> int:
        calls = (await self.stats())["calls"]
        assert isinstance(calls, dict)
        return int(calls.get(path, 0))

    async def fault(self, path: str, count: int, status: int | None = 503, delaySeconds: float = 0.0) -> None:
        body = {"path": path, "count": count, "status": status, "delaySeconds": delaySeconds}
        (await self.http.post(f"{self.url}/simulator/faults", json=body)).raise_for_status()


def simulatorSettings(keyDir: Path, merchantUrl: str, **overrides: object) -> SimulatorSettings:
    values: dict[str, object] = {
        "SIM_CLIENT_ID": CLIENT_ID,
        "SIM_CLIENT_SECRET": CLIENT_SECRET,
        "SIM_MERCHANT_PUBLIC_KEY_PATH": str(keyDir / "merchant_public.pem"),
        "SIM_PRIVATE_KEY_PATH": str(keyDir / "bri_private.pem"),
        "SIM_MERCHANT_BASE_URL": merchantUrl + PREFIX,
        "SIM_INBOUND_CLIENT_ID": INBOUND_CLIENT_ID,
        **overrides,
    }
    return SimulatorSettings(**values)  # type: ignore[arg-type]


def merchantAuthenticator(keyDir: Path) -> InboundAuthenticator:
    return InboundAuthenticator(
        clientId=INBOUND_CLIENT_ID, clientSecret=CLIENT_SECRET,
        briPublicKey=loadPublicKey(keyDir / "bri_public.pem"), tokenKeys=inboundTokenKeys(MERCHANT_JWT_SECRET),
    )


def briSettings(keyDir: Path, baseUrl: str, **overrides: object) -> BriSettings:
    values: dict[str, object] = {
        "BRI_BASE_URL": baseUrl,
        "BRI_CLIENT_ID": CLIENT_ID,
        "BRI_CLIENT_SECRET": CLIENT_SECRET,
        "BRI_PARTNER_ID": "KSERVICES01",
        "BRI_PRIVATE_KEY_PATH": str(keyDir / "merchant_private.pem"),
        "BRI_PUBLIC_KEY_PATH": str(keyDir / "bri_public.pem"),
        "BRI_QRIS_MERCHANT_ID": "000001019000014",
        "BRI_QRIS_TERMINAL_ID": "A01",
        **overrides,
    }
    return BriSettings(**values)  # type: ignore[arg-type]


ClientFactory = Callable[..., BriSnapClient]


