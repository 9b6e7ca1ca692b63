from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import pytest
from asgi_lifespan import LifespanManager
from starlette.types import ASGIApp

from KAuthApp.backend.infrastructure.http.authService import createAuthService
from KAuthApp.tests.authTestSupport import authAppSettings
from shared.backend.appFactory import createApp
from shared.backend.config.settings import Settings
from tests.support.inProcess import runningApp


@pytest.fixture(scope="session")
def outboxDir(runDir: Path) -> Path:
    path = runDir / "kauth-tests-mail"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def appSettings(settings: Settings, outboxDir: Path) -> Settings:
    return authAppSettings(settings, outboxDir)


@pytest.fixture(scope="session")
async def client(appSettings: Settings) -> AsyncIterator[httpx2.AsyncClient]:
    async with runningApp(createApp(appSettings, createAuthService(appSettings))) as running:
        yield running


# The service app with its lifespan, called straight through ASGI (KAuthApp/tests/rawAsgi.py), one per module.
@pytest.fixture(scope="module")
async def rawApp(appSettings: Settings) -> AsyncIterator[ASGIApp]:
    async with LifespanManager(createApp(appSettings, createAuthService(appSettings)), startup_timeout=30) as manager:
        yield manager.app
