from __future__ import annotations

import dataclasses
from collections.abc import Callable

from fastapi import FastAPI

from KSysAdmin.tests.migrationSupport import connectTo
from shared.backend.config.secretSettings import CryptoSettings
from shared.backend.config.settings import DatabaseSettings, RedisSettings, Settings
from tests.support.inProcess import runningApp

# Apps started on a scratch database use a Redis db of their own, away from the test stack's published settings.
SCRATCH_REDIS_DB = 12


def buildPublicApp(settings: Settings) -> FastAPI:
    from public_server import createPublicApp

    return createPublicApp(settings)


def buildAdminApp(settings: Settings) -> FastAPI:
    from admin_server import createAdminApp

    return createAdminApp(settings)


SERVERS: dict[str, Callable[[Settings], FastAPI]] = {"public": buildPublicApp, "admin": buildAdminApp}


def onScratch(settings: Settings, databaseUrl: str, crypto: CryptoSettings | None = None) -> Settings:
    redisUrl = settings.redis.url.get_secret_value().rsplit("/", 1)[0] + f"/{SCRATCH_REDIS_DB}"
    return dataclasses.replace(
        settings,
        database=DatabaseSettings(DATABASE_URL=databaseUrl),  # type: ignore[call-arg]
        redis=RedisSettings(REDIS_URL=redisUrl),  # type: ignore[call-arg]
        crypto=crypto or settings.crypto,
    )


# Starts the app's lifespan and stops it again: None when it started, else the message it refused with.
async def startupFailure(app: FastAPI) -> str | None:
    try:
        async with runningApp(app) as client:
            assert (await client.get("/health")).status_code == 200
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return None


async def runSql(databaseUrl: str, statement: str, *arguments: object) -> None:
    connection = await connectTo(databaseUrl)
    try:
        await connection.execute(statement, *arguments)
    finally:
        await connection.close()

