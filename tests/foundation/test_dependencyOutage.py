from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI, Request
from sqlalchemy import text

from shared.backend.appFactory import ServiceSpec, createApp
from shared.backend.config.settings import DatabaseSettings, RedisSettings, Settings
from tests.support.inProcess import runningApp
from tests.support.processes import PostgresProcess, RedisProcess


def probeApp(settings: Settings) -> FastAPI:
    router = APIRouter(prefix="/api/probe")

    @router.get("/db")
    async def usesDatabase(request: Request) -> dict[str, int]:
        async with request.app.state.database.sessionFactory() as session:
            return {"value": (await session.execute(text("SELECT 42"))).scalar_one()}

    @router.get("/cache")
    async def usesCache(request: Request) -> dict[str, int]:
        return {"value": int(await request.app.state.redis.incr("probe:counter"))}

    # A bare PostgreSQL without the schema: no schema revision or stored values to check.
    return createApp(settings, ServiceSpec(title="probe", routers=[router], docGroups={}, checksStoredData=False))


@pytest.fixture
def privateRedis(tmp_path: Path) -> Iterator[RedisProcess]:
    redis = RedisProcess(tmp_path)
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def privatePostgres(tmp_path: Path) -> Iterator[PostgresProcess]:
    postgres = PostgresProcess(tmp_path)
    postgres.start()
    yield postgres
    postgres.stop()


def assertUnavailable(body: dict[str, dict[str, object]], dependency: str) -> None:
    assert body["error"]["code"] == "service_unavailable"
    assert dependency in str(body["error"]["message"])


async def test_redisOutageAnswers503AndRecoversWithoutRestart(settings: Settings, privateRedis: RedisProcess) -> None:
    local = dataclasses.replace(settings, redis=RedisSettings(REDIS_URL=privateRedis.url))  # type: ignore[call-arg]
    async with runningApp(probeApp(local)) as client:
        assert (await client.get("/api/probe/cache")).json() == {"value": 1}
        privateRedis.stop()
        down = await client.get("/api/probe/cache")
        assert down.status_code == 503
        assert down.headers["Retry-After"] == "5"
        assertUnavailable(down.json(), "cache")
        assert (await client.get("/api/probe/db")).status_code == 200
        privateRedis.start()
        assert (await client.get("/api/probe/cache")).status_code == 200


async def test_postgresOutageAnswers503AndRecoversWithoutRestart(
    settings: Settings, privatePostgres: PostgresProcess
) -> None:
    database = DatabaseSettings(DATABASE_URL=privatePostgres.url, DATABASE_CONNECT_TIMEOUT_SECONDS=2)  # type: ignore[call-arg]
    local = dataclasses.replace(settings, database=database)
    async with runningApp(probeApp(local)) as client:
        assert (await client.get("/api/probe/db")).json() == {"value": 42}
        privatePostgres.stop()
        down = await client.get("/api/probe/db")
        assert down.status_code == 503
        assertUnavailable(down.json(), "database")
        health = await client.get("/health")
        assert health.status_code == 503
        assert "database" in health.json()["error"]["message"]
        privatePostgres.start()
        assert (await client.get("/api/probe/db")).json() == {"value": 42}
        assert (await client.get("/health")).status_code == 200
