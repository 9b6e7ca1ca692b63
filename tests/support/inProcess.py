from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx2
from asgi_lifespan import LifespanManager
from fastapi import FastAPI


@asynccontextmanager
async def runningApp(app: FastAPI) -> AsyncIterator[httpx2.AsyncClient]:
    async with LifespanManager(app, startup_timeout=30) as manager:
        transport = httpx2.ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
