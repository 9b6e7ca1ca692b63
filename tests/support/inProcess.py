from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx2
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from starlette.types import ASGIApp


# A client calling the app in process; an unhandled error becomes the app's own 500 answer, not a raise.
@asynccontextmanager
async def appClient(app: ASGIApp) -> AsyncIterator[httpx2.AsyncClient]:
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@asynccontextmanager
async def runningApp(app: FastAPI) -> AsyncIterator[httpx2.AsyncClient]:
    async with LifespanManager(app, startup_timeout=30) as manager, appClient(manager.app) as client:
        yield client
