from __future__ import annotations

import asyncio
import dataclasses

import asyncpg
import pytest
import sqlalchemy.exc
from fastapi import APIRouter, FastAPI, Request
from sqlalchemy import text

from KSysPayment.tests.support.servers import boundSocket, serving
from shared.backend.appFactory import ServiceSpec, createApp
from shared.backend.config.settings import Settings
from shared.backend.database.engine import Database
from shared.backend.exceptions.domainError import DomainError
from tests.support.inProcess import runningApp


class ShuttingDownError(Exception):
    sqlstate = "57P03"


class KeysNotRemovedError(DomainError):
    code = "keys_not_removed"


def probeApp(settings: Settings) -> FastAPI:
    router = APIRouter(prefix="/api/probe")

    @router.get("/echo")
    async def echo(request: Request, value: str) -> dict[str, str]:
        async with request.app.state.database.sessionFactory() as session:
            return {"value": (await session.execute(text("SELECT CAST(:v AS text)"), {"v": value})).scalar_one()}

    @router.get("/shutdown")
    async def shutdown() -> None:
        raise sqlalchemy.exc.DBAPIError("SELECT 1", None, ShuttingDownError("the database system is shutting down"))

    @router.get("/busy")
    async def busy() -> None:
        # What SQLAlchemy raises for a connection left mid-operation by an earlier failure.
        raise sqlalchemy.exc.InternalError(
            "ROLLBACK", None, asyncpg.exceptions.InternalClientError("another operation is in progress"))

    @router.get("/invalidated")
    async def invalidated() -> None:
        raise sqlalchemy.exc.DBAPIError("SELECT 1", None, Exception("connection closed"), connection_invalidated=True)

    @router.get("/bug")
    async def bug() -> None:
        raise KeyError("not a dependency problem")

    # asyncpg's own failures that SQLAlchemy passes through unwrapped (builtin OSErrors).
    @router.get("/statement-timeout")
    async def statementTimeout() -> None:
        connection = await asyncpg.connect(driverDsn(settings))
        try:
            await connection.fetch("SELECT pg_sleep(5)", timeout=0.05)
        finally:
            await connection.close(timeout=2)

    @router.get("/unresolvable")
    async def unresolvable() -> None:
        await asyncpg.connect(driverDsn(settings).replace("127.0.0.1", "database.invalid"), timeout=5)

    @router.get("/own-file")
    async def ownFile() -> None:
        raise PermissionError(13, "Permission denied", "/var/outbox/mail.eml")

    @router.get("/keys")
    async def keys() -> None:
        raise KeysNotRemovedError()

    spec = ServiceSpec(title="probe", routers=[router], docGroups={}, statusTable={KeysNotRemovedError: 503})
    return createApp(settings, spec)


def driverDsn(settings: Settings) -> str:
    return settings.database.url.get_secret_value().replace("postgresql+asyncpg://", "postgresql://")


async def test_nulCharacterIsRefusedAs422(settings: Settings) -> None:
    async with runningApp(probeApp(dataclasses.replace(settings))) as client:
        assert (await client.get("/api/probe/echo", params={"value": "fine"})).json() == {"value": "fine"}
        response = await client.get("/api/probe/echo", params={"value": "nul\x00byte"})
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "invalid_input"


async def test_databaseShuttingDownIs503(settings: Settings) -> None:
    async with runningApp(probeApp(settings)) as client:
        response = await client.get("/api/probe/shutdown")
        assert response.status_code == 503
        assert response.json()["error"]["message"] == "The database is temporarily unavailable"
        assert response.headers["Retry-After"] == "5"


@pytest.mark.parametrize("path", ["/api/probe/busy", "/api/probe/invalidated"])
async def test_brokenConnectionIs503(settings: Settings, path: str) -> None:
    async with runningApp(probeApp(settings)) as client:
        response = await client.get(path)
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "service_unavailable"


@pytest.mark.parametrize("path", ["/api/probe/statement-timeout", "/api/probe/unresolvable"])
async def test_driverTimeoutsAndLookupsAre503(settings: Settings, path: str) -> None:
    async with runningApp(probeApp(settings)) as client:
        response = await client.get(path)
        assert response.status_code == 503
        assert response.json()["error"]["message"] == "The database is temporarily unavailable"
        assert response.headers["Retry-After"] == "5"
        # An OSError of the service's own code stays a bug: 500, not an outage.
        assert (await client.get("/api/probe/own-file")).status_code == 500


async def test_every503SaysWhenToRetry(settings: Settings) -> None:
    async with runningApp(probeApp(settings)) as client:
        response = await client.get("/api/probe/keys")
        assert (response.status_code, response.json()["error"]["code"]) == (503, "keys_not_removed")
        assert response.headers["Retry-After"] == "5"


async def test_unexpectedErrorIsA500EnvelopeWithRequestId(settings: Settings) -> None:
    async with runningApp(probeApp(settings)) as client:
        response = await client.get("/api/probe/bug", headers={"X-Request-ID": "bug-request-1"})
        assert response.status_code == 500
        assert response.json()["error"] == {
            "code": "internal_error", "message": "An unexpected error occurred", "requestId": "bug-request-1",
            "details": [],
        }
        assert response.headers["X-Request-ID"] == "bug-request-1"


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, target: str) -> tuple[int, bytes, str]:
    writer.write(f"GET {target} HTTP/1.1\r\nHost: probe\r\n\r\n".encode())
    await writer.drain()
    head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)).decode("latin-1").lower()
    length = int(head.split("content-length:", 1)[1].split("\r\n", 1)[0])
    body = await asyncio.wait_for(reader.readexactly(length), 10)
    return int(head.split(" ", 2)[1]), body, head


async def test_unexpectedErrorKeepsTheKeepAliveConnection(settings: Settings) -> None:
    # The gateway reuses upstream connections: one dropped after a 500 turns its next request into a 502.
    sock = boundSocket()
    async with serving(probeApp(settings), sock):
        reader, writer = await asyncio.open_connection(*sock.getsockname())
        try:
            status, body, head = await exchange(reader, writer, "/api/probe/bug")
            assert status == 500 and b"internal_error" in body and "connection: close" not in head
            status, body, _ = await exchange(reader, writer, "/api/probe/echo?value=after")
            assert (status, body) == (200, b'{"value":"after"}')
        finally:
            writer.close()


async def test_databaseErrorsNameTheStatementNotItsValues(database: Database) -> None:
    # A statement failing on one value must not put its other values (here a password hash) in the error text
    # that handlers log.
    async with database.sessionFactory() as session:
        with pytest.raises(sqlalchemy.exc.DBAPIError) as error:
            await session.execute(text("SELECT CAST(:hash AS text), 1 / CAST(:zero AS integer)"),
                                  {"hash": "$argon2id$v=19$secret-hash", "zero": 0})
    assert "division by zero" in str(error.value)
    assert "secret-hash" not in str(error.value)
