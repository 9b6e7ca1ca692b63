from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI

from KSysPayment.backend.application.reconcilePayments import ReconcilePayments
from KSysPayment.backend.infrastructure.background.cleanupTasks import CleanupTasks
from KSysPayment.backend.infrastructure.background.reconcileLoop import reconcileTask
from KSysPayment.backend.infrastructure.bri.briClient import BriSnapClient
from KSysPayment.backend.infrastructure.bri.briHttpClient import BriHttpClient
from KSysPayment.backend.infrastructure.bri.inboundAuth import InboundAuthenticator
from KSysPayment.backend.infrastructure.bri.inboundTokens import inboundTokenKeys
from KSysPayment.backend.infrastructure.bri.keys import BriConfigurationError
from KSysPayment.backend.infrastructure.database.paymentRecords import PaymentRecords
from KSysPayment.backend.infrastructure.database.settlementRecords import SettlementRecords
from KSysPayment.backend.infrastructure.database.unitOfWork import unitOfWorkFactory
from KSysPayment.backend.infrastructure.devtools.simulatorClient import HttpSimulatorClient
from shared.backend.config.settings import Settings

Hook = Callable[[FastAPI], AbstractAsyncContextManager[None]]
# The simulator pays and notifies us before it answers /simulator/pay.
SIMULATOR_TIMEOUT_SECONDS = 15.0


def buildAuthenticator(settings: Settings) -> InboundAuthenticator:
    bri = settings.bri
    if not bri.clientSecret.get_secret_value():
        raise BriConfigurationError("BRI_CLIENT_SECRET is required for BRI notifications")
    # fromSettings also accepts QRIS notifications RSA-signed with BRI_CLIENT_ID (docs/bri.md). BRI's access tokens
    # are tagged under JWT_SECRET's key and accepted under its previous secrets' too.
    jwt = settings.jwt
    tokenKeys = inboundTokenKeys(jwt.secret.get_secret_value(), *jwt.previousSecretValues())
    return InboundAuthenticator.fromSettings(bri, tokenKeys)


def briHook(settings: Settings) -> Hook:
    @asynccontextmanager
    async def hook(app: FastAPI) -> AsyncIterator[None]:
        try:
            client = BriSnapClient.fromSettings(settings.bri)
            app.state.inboundAuthenticator = buildAuthenticator(settings)
        except BriConfigurationError as error:
            raise BriConfigurationError(f"BRI is not configured: {error}") from None
        app.state.paymentGateway = client
        app.state.paymentUow = unitOfWorkFactory(app.state.database.sessionFactory)
        # Every statement commits by itself: only for work done in one statement.
        app.state.paymentStatements = unitOfWorkFactory(app.state.database.autocommitSessionFactory)
        app.state.paymentRecords = PaymentRecords(app.state.database.driverPool)
        app.state.settlementRecords = SettlementRecords(app.state.database.driverPool)
        app.state.paymentCleanups = CleanupTasks()
        simulatorHttp = (BriHttpClient(timeoutSeconds=SIMULATOR_TIMEOUT_SECONDS)
                         if settings.app.env != "production" else None)
        if simulatorHttp is not None:
            app.state.paymentSimulator = HttpSimulatorClient(settings.bri.baseUrl, simulatorHttp)
        try:
            yield
        finally:
            await app.state.paymentCleanups.close()  # before the BRI client they use is closed
            if simulatorHttp is not None:
                await simulatorHttp.aclose()
            await client.aclose()

    return hook


def reconcileHook(settings: Settings) -> Hook:
    @asynccontextmanager
    async def hook(app: FastAPI) -> AsyncIterator[None]:
        useCase = ReconcilePayments(app.state.paymentUow, app.state.settlementRecords, app.state.paymentGateway,
                                    timedelta(hours=settings.payment.qrisRecheckHours))
        async with reconcileTask(app.state.database.engine, lambda stopping: useCase.execute(stopping=stopping),
                                 settings.payment.reconcileIntervalSeconds, app.state.shutdown):
            yield

    return hook
