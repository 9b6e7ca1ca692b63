from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import pytest
from redis.asyncio import Redis

from KSysPayment.backend.infrastructure.bri.generateKeys import generatePairs
from KSysPayment.backend.infrastructure.http.paymentService import createPaymentService
from KSysPayment.simulator.app import createSimulatorApp
from KSysPayment.tests.support.briSender import BriSender
from KSysPayment.tests.support.paymentStack import (
    Payer,
    PaymentStack,
    createUser,
    paymentSettings,
    simulatorSettings,
)
from KSysPayment.tests.support.servers import boundSocket, serving, urlOf
from shared.backend.appFactory import createApp
from shared.backend.config.settings import Settings
from shared.backend.database.engine import Database


@pytest.fixture(scope="session")
def paymentKeyDir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("payment-bri-keys")
    generatePairs(directory)
    return directory


@pytest.fixture(scope="session")
async def paymentStackServer(settings: Settings, paymentKeyDir: Path) -> AsyncIterator[PaymentStack]:
    # The app socket is bound first so the simulator knows where to send notifications.
    appSocket, simulatorSocket = boundSocket(), boundSocket()
    appSettings = paymentSettings(settings, paymentKeyDir, urlOf(simulatorSocket), reconcileSeconds=3600)
    app = createApp(appSettings, createPaymentService(appSettings))
    simulator = createSimulatorApp(simulatorSettings(paymentKeyDir, urlOf(appSocket)))
    async with (
        serving(simulator, simulatorSocket) as simulatorUrl,
        serving(app, appSocket) as appUrl,
        httpx2.AsyncClient(timeout=30) as http,
    ):
        yield PaymentStack(appUrl, simulatorUrl, app, appSettings, http)


@pytest.fixture
async def paymentStack(paymentStackServer: PaymentStack) -> PaymentStack:
    (await paymentStackServer.http.post(f"{paymentStackServer.simulatorUrl}/simulator/reset")).raise_for_status()
    return paymentStackServer


@pytest.fixture
async def payer(database: Database, redisClient: Redis, settings: Settings) -> Payer:
    return await createUser(database, redisClient, settings)


@pytest.fixture
async def otherPayer(database: Database, redisClient: Redis, settings: Settings) -> Payer:
    return await createUser(database, redisClient, settings)


@pytest.fixture
def briSender(paymentStackServer: PaymentStack, paymentKeyDir: Path) -> BriSender:
    return BriSender(paymentStackServer.http, paymentStackServer.appUrl, paymentKeyDir)
