from __future__ import annotations

import asyncio

import httpx2
import pytest
from sqlalchemy import text

from KAuthApp.tests.authTestSupport import PASSWORD, bearer, login, registerVerified
from shared.backend.database.engine import Database
from tests.faults import authFaults
from tests.faults.authFaults import heldRow, userId
from tests.faults.privateStack import PrivateStack
from tests.faults.settlementCrash import blockedBy

stack, database, client = authFaults.stack, authFaults.database, authFaults.client  # the fixtures


async def cancelBackends(database: Database, pids: list[int]) -> None:
    async with database.engine.connect() as connection:
        await connection.execute(text("SELECT pg_cancel_backend(pid) FROM unnest(CAST(:pids AS int[])) AS pid"),
                                 {"pids": pids})


async def accountRows(database: Database, address: str) -> tuple[object, ...]:
    async with database.engine.connect() as connection:
        row = (await connection.execute(text(
            "SELECT u.password_hash, (SELECT count(*) FROM sessions s WHERE s.user_id = u.id), "
            "(SELECT count(*) FROM audit_logs a WHERE a.target_id = CAST(u.id AS text)) "
            "FROM users u WHERE u.email = :e"), {"e": address.lower()})).one()
    return tuple(row)


# A statement cancelled by PostgreSQL (SQLSTATE 57014: statement_timeout, or an operator's pg_cancel_backend on a
# hung query) is a passing failure of the database, not a bug: 503 with Retry-After, nothing written, and the
# retry works. It was answered 500 `internal_error`. The login's statement runs on the driver pool (asyncpg's
# error), the password change on SQLAlchemy's session (the wrapped error).
@pytest.mark.parametrize("path", ["/api/auth/login", "/api/auth/password/change"])
async def test_aCancelledStatementAnswers503AndWritesNothing(
    stack: PrivateStack, database: Database, client: httpx2.AsyncClient, path: str
) -> None:
    address = await registerVerified(client, stack.directory / "mail")
    tokens = await login(client, address)
    client.cookies.clear()
    if path.endswith("login"):
        send = lambda: client.post(path, json={"email": address, "password": PASSWORD})  # noqa: E731
    else:
        body = {"currentPassword": PASSWORD, "newPassword": "an entirely new passphrase 77"}
        send = lambda: client.post(path, json=body, headers=bearer(tokens))  # noqa: E731
    before = await accountRows(database, address)
    async with heldRow(database, "users", await userId(database, address)) as holder:
        pending = asyncio.create_task(send())
        blocked = await blockedBy(database, holder)
        await cancelBackends(database, [pid for pid, _ in blocked])
        failed = await asyncio.wait_for(pending, 20)
    client.cookies.clear()
    assert failed.status_code == 503 and failed.headers.get("Retry-After"), failed.text
    assert failed.json()["error"]["code"] == "service_unavailable", failed.text
    assert await accountRows(database, address) == before
    retried = await send()
    client.cookies.clear()
    assert retried.status_code in (200, 204), retried.text
