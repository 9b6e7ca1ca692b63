from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI, Request

from KSysAdmin.backend.application.publishStoredSettings import PublishStoredSettings
from KSysAdmin.backend.infrastructure.database.settingsRepository import SettingsRepository
from KSysAdmin.backend.infrastructure.redis.settingsPublisher import RedisSettingsPublisher
from shared.backend.config.settings import Settings
from shared.backend.cryptoFactory import CryptoService
from shared.backend.loggingFactory import getSystemLogger
from shared.backend.security.jwtCodec import JwtCodec
from shared.backend.security.passwordHasher import PasswordHasher

logger = getSystemLogger("ksysadmin.startup")


@dataclass(frozen=True)
class AdminTools:
    settings: Settings
    hasher: PasswordHasher
    codec: JwtCodec
    cipher: CryptoService


async def getAdminTools(request: Request) -> AdminTools:
    return request.app.state.adminTools


# ServiceSpec hook: builds the admin's long-lived helpers and republishes the stored settings to Redis (removing
# the documents of settings PostgreSQL does not hold).
def adminStartupHook(app: FastAPI) -> AbstractAsyncContextManager[None]:
    @asynccontextmanager
    async def run() -> AsyncIterator[None]:
        settings: Settings = app.state.settings
        app.state.adminTools = AdminTools(
            settings, PasswordHasher(settings.auth), JwtCodec(settings.jwt), app.state.crypto
        )
        async with app.state.database.sessionFactory() as session:
            publisher = RedisSettingsPublisher(app.state.redis)
            republished = await PublishStoredSettings(SettingsRepository(session), publisher).execute()
        logger.application("settings_republished", "Stored settings published to Redis",
                           settings=republished.published, removed=republished.removed)
        yield

    return run()
