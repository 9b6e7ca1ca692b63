from __future__ import annotations

import asyncio
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator

import httpx2
import pytest
from sqlalchemy import text

from shared.backend.background.shutdown import STOP_GRACE_SECONDS
from shared.backend.config.settings import DatabaseSettings, RedisSettings, Settings
from shared.backend.database.engine import Database, createDatabase
from shared.backend.redis.client import createRedisClient
from shared.backend.utils.uuid import generateId
from tests.faults.privateStack import ROOT, PrivateStack, lowFreePort, privateStackIn, waitHealthy
from tests.security.securitySupport import AccountFactory

LIBS = "source scripts/lib/common.sh; source scripts/lib/stack.sh; "
GRACEFUL_SECONDS = 5  # uvicorn's --timeout-graceful-shutdown in scripts/lib/stack.sh


@pytest.fixture(scope="module")
def stack() -> Iterator[PrivateStack]:
    with privateStackIn("kservices-shutdown-") as private:
        private.prepare()
        try:
            yield private
        finally:
            for name in ("public", "admin"):
                stopServer(private, name)


@pytest.fixture
async def privateDb(stack: PrivateStack) -> AsyncIterator[Database]:
    database = createDatabase(DatabaseSettings(DATABASE_URL=stack.databaseUrl))  # type: ignore[call-arg]
    yield database
    await database.engine.dispose()


# A server started and stopped as scripts/run.sh and scripts/test.sh do (startUvicorn, stopServer).
def startServer(stack: PrivateStack, name: str, extraEnv: dict[str, str] | None = None) -> None:
    port = stack.ports.setdefault(name, lowFreePort())
    command = f"startUvicorn {name} {name}_server:app {port} {stack.directory} {stack.envFile}"
    subprocess.run(["bash", "-c", LIBS + command], cwd=ROOT, env=stack.serverEnv(extraEnv), check=True, timeout=30)
    waitHealthy(stack.url(name, "/health"))


def stopServer(stack: PrivateStack, name: str) -> float:
    started = time.monotonic()
    subprocess.run(["bash", "-c", LIBS + f"stopServer {stack.directory} {name} {name}_server:app"], cwd=ROOT,
                   check=True, timeout=60)
    return time.monotonic() - started


def serverLog(stack: PrivateStack, name: str) -> str:
    return (stack.directory / f"{name}.log").read_text()


# A request still running when uvicorn's graceful timeout ends (a payment create waiting on a BRI that accepted
# the connection and never answers) gets the 503 envelope with Retry-After, not uvicorn's text/plain 500.
async def test_aRequestCutByTheShutdownAnswers503InTheEnvelope(stack: PrivateStack, settings: Settings,
                                                                privateDb: Database) -> None:
    with socket.socket() as silentBri:
        silentBri.bind(("127.0.0.1", 0))
        silentBri.listen(16)
        startServer(stack, "public", {"BRI_BASE_URL": f"http://127.0.0.1:{silentBri.getsockname()[1]}",
                                      "BRI_TIMEOUT_SECONDS": "30"})
        redis = createRedisClient(RedisSettings(REDIS_URL=stack.redis.url))  # type: ignore[call-arg]
        try:
            account = await AccountFactory(settings, privateDb, redis).create(["user"], "shutdown")
        finally:
            await redis.aclose()
        async with httpx2.AsyncClient(timeout=30) as client:
            creating = asyncio.create_task(client.post(
                stack.url("public", "/api/payment/payments"), json={"amount": 15000, "method": "briva"},
                headers={"Authorization": f"Bearer {account.userToken}", "Idempotency-Key": generateId().hex}))
            await asyncio.sleep(1)
            assert not creating.done()
            stoppedIn = await asyncio.to_thread(stopServer, stack, "public")
            response = await creating
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["Retry-After"] == "5"
    body = response.json()
    assert body["error"]["code"] == "service_unavailable"
    assert body["error"]["requestId"] == response.headers["X-Request-ID"]
    assert stoppedIn < GRACEFUL_SECONDS + 5
    assert "shutdown_complete" in serverLog(stack, "public")


# Background passes stuck on a lock hold the lifespan's shutdown for one grace they share, after the requests' 5 s:
# the scripts wait for the server to end by itself rather than killing it halfway through its shutdown. Here two
# (the purge and the revoked-key sweep, both reading sessions) wait at once; each took a grace of its own once,
# 5 + 10 + 10 s, past the scripts' 20 s.
async def test_stopServerLetsBlockedBackgroundPassesEndWithinOneGrace(stack: PrivateStack, privateDb: Database) -> None:
    async with privateDb.engine.connect() as locker:
        await locker.begin()
        await locker.execute(text("LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE"))
        try:
            await asyncio.to_thread(startServer, stack, "admin")
            await waitForBlockedPasses(privateDb)
            stoppedIn = await asyncio.to_thread(stopServer, stack, "admin")
        finally:
            await locker.rollback()
    log = serverLog(stack, "admin")
    assert "admin_purge_ended_stopped" in log and "admin_revoked_key_sweep_stopped" in log, log[-2000:]
    assert "shutdown_complete" in log, log[-2000:]
    assert stoppedIn < GRACEFUL_SECONDS + STOP_GRACE_SECONDS, stoppedIn


async def waitForBlockedPasses(database: Database) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        async with database.engine.connect() as connection:
            waiting = set((await connection.execute(text(
                "SELECT split_part(query, ' ', 1) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE '% sessions %'"))).scalars())
        if waiting >= {"DELETE", "SELECT"}:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the purge and the sweep never both waited for the sessions lock")
