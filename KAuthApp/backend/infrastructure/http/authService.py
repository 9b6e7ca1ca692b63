from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from KAuthApp.backend.domain.commonPasswords import commonPasswords
from KAuthApp.backend.infrastructure.http.authRouter import createAuthRouter
from KAuthApp.backend.infrastructure.http.errorStatus import AUTH_STATUS_TABLE
from KAuthApp.backend.infrastructure.mail.mailerFactory import createMailer
from shared.backend.appFactory import ServiceHook, ServiceSpec
from shared.backend.config.settings import Settings
from shared.backend.security.passwordHasher import PasswordHasher


def createAuthHook(settings: Settings) -> ServiceHook:
    @asynccontextmanager
    async def authResources(app: FastAPI) -> AsyncIterator[None]:
        # Built once: the hasher computes its dummy hash, the password list is read from disk.
        app.state.kauthHasher = await asyncio.to_thread(PasswordHasher, settings.auth)
        app.state.kauthMailer = createMailer(settings.mail)
        await asyncio.to_thread(commonPasswords)
        yield

    return authResources


def createAuthService(settings: Settings) -> ServiceSpec:
    return ServiceSpec(
        title="KAuthApp",
        routers=[createAuthRouter()],
        docGroups={"/api/auth": "KAuthApp"},
        statusTable=AUTH_STATUS_TABLE,
        hooks=[createAuthHook(settings)],
    )
