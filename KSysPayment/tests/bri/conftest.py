from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import pytest

from KSysPayment.backend.infrastructure.bri.briClient import BriSnapClient
from KSysPayment.backend.infrastructure.bri.generateKeys import generatePairs
from KSysPayment.backend.infrastructure.bri.responseCodes import RetryPolicy
from KSysPayment.simulator.app import createSimulatorApp
from KSysPayment.tests.bri.briTestSupport import (
    ClientFactory,
    Simulator,
    Stub,
    briSettings,
    merchantAuthenticator,
    runServer,
    simulatorSettings,
)
from KSysPayment.tests.bri.merchantStub import createMerchantStub


@pytest.fixture(scope="session")
def keyDir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("bri-keys")
    generatePairs(directory)
    return directory


@pytest.fixture(scope="session")
async def merchantStub(keyDir: Path) -> AsyncIterator[Stub]:
    app = createMerchantStub(merchantAuthenticator(keyDir))
    async with runServer(app) as url:
        yield Stub(url, app)


@pytest.fixture(scope="session")
async def simulatorServer(keyDir: Path, merchantStub: Stub) -> AsyncIterator[Simulator]:
    settings = simulatorSettings(keyDir, merchantStub.url)
    async with runServer(createSimulatorApp(settings)) as url, httpx2.AsyncClient() as http:
        yield Simulator(url, settings, http)


@pytest.fixture
async def simulator(simulatorServer: Simulator, merchantStub: Stub) -> Simulator:
    (await simulatorServer.http.post(f"{simulatorServer.url}/simulator/reset")).raise_for_status()
    merchantStub.app.state.received.clear()
    merchantStub.app.state.tokens = 0
    return simulatorServer


@pytest.fixture
async def makeClient(keyDir: Path, simulator: Simulator) -> AsyncIterator[ClientFactory]:
    clients: list[BriSnapClient] = []

    def factory(*, settingsOverrides: dict[str, object] | None = None, **options: object) -> BriSnapClient:
        settings = briSettings(keyDir, simulator.url, **(settingsOverrides or {}))
        options.setdefault("retryPolicy", RetryPolicy(maxAttempts=3, baseDelaySeconds=0.01, maxDelaySeconds=0.02))
        client = BriSnapClient.fromSettings(settings, **options)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.aclose()
