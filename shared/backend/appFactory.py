from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field

from fastapi import APIRouter, FastAPI, Request

from shared.backend.background.shutdown import Shutdown
from shared.backend.config.secretSettings import CryptoSettings
from shared.backend.config.settings import ConfigurationError, Settings, loadSettings
from shared.backend.cryptoFactory import CryptoService, createCrypto
from shared.backend.database.engine import Database, closeDb, initDb
from shared.backend.database.engine import checkConnection as checkDatabase
from shared.backend.database.schemaRevision import checkSchemaRevision
from shared.backend.exceptions.domainError import DomainError
from shared.backend.exceptions.handlers import installErrorHandlers
from shared.backend.health.healthCheck import HealthProbe, createHealthRouter
from shared.backend.loggingFactory import configureLogging, getSystemLogger
from shared.backend.middleware.cors import installCors
from shared.backend.middleware.corsSync import corsSyncHook
from shared.backend.middleware.requestId import RequestIdMiddleware
from shared.backend.openapiDocs import addGroupDocs
from shared.backend.redis.client import checkConnection as checkRedis
from shared.backend.redis.client import closeRedis, initRedis
from shared.backend.security.jwtCodec import JwtCodec
from shared.backend.security.storedValueCheck import checkStoredValues
from shared.backend.startupFailure import KNOWN_STARTUP_FAILURES, StartupError, quietStartupFailures

# A service hook runs inside the lifespan after the core resources exist and is closed before them.
ServiceHook = Callable[[FastAPI], AbstractAsyncContextManager[None]]
logger = getSystemLogger("startup")


@dataclass(frozen=True)
class ServiceSpec:
    title: str
    routers: Sequence[APIRouter]
    docGroups: Mapping[str, str]
    statusTable: Mapping[type[DomainError], int] = field(default_factory=dict)
    hooks: Sequence[ServiceHook] = ()
    # The schema revision and the stored encrypted values are checked at startup; off only for an app that does
    # not use the users schema (the tests' probe apps on a bare PostgreSQL).
    checksStoredData: bool = True


def combineSpecs(title: str, specs: Sequence[ServiceSpec]) -> ServiceSpec:
    return ServiceSpec(
        title=title,
        routers=[router for spec in specs for router in spec.routers],
        docGroups={prefix: name for spec in specs for prefix, name in spec.docGroups.items()},
        statusTable={klass: status for spec in specs for klass, status in spec.statusTable.items()},
        hooks=[hook for spec in specs for hook in spec.hooks],
        checksStoredData=any(spec.checksStoredData for spec in specs),
    )


def loadSettingsOrExit() -> Settings:
    try:
        return loadSettings()
    except ConfigurationError as error:
        print(f"kservices: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def healthProbes(request: Request) -> dict[str, HealthProbe]:
    state = request.app.state
    return {
        "database": lambda: checkDatabase(state.database),
        "redis": lambda: checkRedis(state.redis),
        "crypto": lambda: asyncio.to_thread(state.crypto.selfTest),
    }


# The self-test round-trips a fresh value; stored values show whether the keys and Argon2id settings are the ones
# they were written under (a rotation that dropped the old key would leave every TOTP secret unreadable).
async def initCrypto(settings: CryptoSettings, database: Database | None = None) -> CryptoService:
    crypto = await asyncio.to_thread(createCrypto, settings)
    latency = await asyncio.to_thread(crypto.selfTest)
    if database is not None:
        await checkStoredValues(database, crypto)
    logger.performance("crypto_ready", "crypto self-test passed", latency_ms=round(latency, 2))
    return crypto


def createLifespan(settings: Settings, spec: ServiceSpec) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            try:
                app.state.database = await initDb(settings.database)
                stack.push_async_callback(closeDb, app.state.database)
                if spec.checksStoredData:
                    await checkSchemaRevision(app.state.database)
                app.state.redis = await initRedis(settings.redis)
                stack.push_async_callback(closeRedis, app.state.redis)
                app.state.crypto = await initCrypto(settings.crypto,
                                                    app.state.database if spec.checksStoredData else None)
                app.state.shutdown = Shutdown()
                for hook in [corsSyncHook, *spec.hooks]:
                    await stack.enter_async_context(hook(app))
            except KNOWN_STARTUP_FAILURES as error:
                # An outage or a misconfiguration the message names: one line, without the driver's traceback.
                logger.error("startup_failed", f"{spec.title} cannot start: {error}", error_type=type(error).__name__)
                raise StartupError(f"{spec.title} cannot start: {error}") from None
            except Exception as error:
                logger.error("startup_failed", f"{spec.title} cannot start: {error}", error)
                raise
            logger.application("startup_complete", f"{spec.title} started", env=settings.app.env)
            # Startup's objects (modules, metadata, pools) leave the collector's view: a full collection
            # scanned them all, ~75 ms per run under the payment bench, every couple of seconds. Given back at
            # shutdown, so that a process running several apps in turn (the tests) can still free them.
            gc.freeze()
            # Requests leave next to no cyclic garbage, yet at Python's 700 the young generation ran every few
            # requests and pushed in-flight objects into the older ones to be scanned again (docs/benchmarks.md).
            thresholds = gc.get_threshold()
            gc.set_threshold(settings.app.gcYoungThreshold, *thresholds[1:])
            try:
                yield
            finally:
                # Every background task stops now and shares one grace, before the hooks are left in turn.
                app.state.shutdown.begin()
                gc.set_threshold(*thresholds)
                gc.unfreeze()
        logger.application("shutdown_complete", f"{spec.title} stopped")

    return lifespan


def createApp(settings: Settings, spec: ServiceSpec) -> FastAPI:
    configureLogging(settings.app)
    quietStartupFailures()
    app = FastAPI(
        title=spec.title,
        lifespan=createLifespan(settings, spec),
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.jwtCodec = JwtCodec(settings.jwt)
    installErrorHandlers(app, spec.statusTable)
    app.state.statusTable = spec.statusTable  # the OpenAPI documents map the dependencies' errors through it
    app.state.corsOrigins = installCors(app, settings.cors)
    app.add_middleware(RequestIdMiddleware, slowRequestMs=settings.app.slowRequestMs)
    app.include_router(createHealthRouter(healthProbes))
    for router in spec.routers:
        app.include_router(router)
    # No API map or Swagger UI in production: the page runs a CDN's scripts on the gateway's origin, inside the
    # refresh cookie's path (docs/decisions.md).
    docGroups: Mapping[str, str] = {} if settings.app.isProduction else spec.docGroups
    for prefix, title in docGroups.items():
        addGroupDocs(app, prefix, title)
    return app
