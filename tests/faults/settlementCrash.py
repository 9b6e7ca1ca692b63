from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2
from sqlalchemy import text

from KSysPayment.tests.support.briSender import BriSender
from KSysPayment.tests.support.paymentStack import CLIENT_ID, CLIENT_SECRET, INBOUND_CLIENT_ID, PREFIX
from shared.backend.database.engine import Database
from shared.backend.utils.uuid import generateId
from tests.faults.privateStack import PrivateStack, lowFreePort, waitHealthy

PUBLIC_APP = "public_server:app"
SIMULATOR_APP = "KSysPayment.simulator.app:app"
DEADLINE_SECONDS = 15.0
POLL_SECONDS = 0.05
# Backends that wait for a lock the given backend holds, with what they run.
BLOCKED_SQL = "SELECT pid, query FROM pg_stat_activity WHERE :holder = ANY(pg_blocking_pids(pid))"


# The faults stack plus a private BRI simulator whose notifications go to a private public_server.
@dataclass
class CrashStack:
    stack: PrivateStack
    keyDir: Path
    database: Database
    http: httpx2.AsyncClient
    userToken: str = ""

    def startSimulator(self) -> None:
        # The public port is chosen now: the simulator must know where to notify.
        self.stack.ports.setdefault("public", lowFreePort())
        merchantUrl = self.stack.url("public", PREFIX)
        self.stack.launch("simulator", SIMULATOR_APP, {
            "SIM_CLIENT_ID": CLIENT_ID, "SIM_CLIENT_SECRET": CLIENT_SECRET, "SIM_INBOUND_CLIENT_ID": INBOUND_CLIENT_ID,
            "SIM_MERCHANT_PUBLIC_KEY_PATH": str(self.keyDir / "merchant_public.pem"),
            "SIM_PRIVATE_KEY_PATH": str(self.keyDir / "bri_private.pem"), "SIM_MERCHANT_BASE_URL": merchantUrl,
            "SIM_SIGNATURE_ENCODING": "hex"})
        waitHealthy(self.stack.url("simulator", "/simulator/payments"), process=self.stack.servers["simulator"])

    def startPublic(self, reconcileSeconds: int) -> None:
        self.stack.launch("public", PUBLIC_APP, {
            "BRI_BASE_URL": self.stack.url("simulator", ""), "BRI_CLIENT_ID": CLIENT_ID,
            "BRI_CLIENT_SECRET": CLIENT_SECRET, "BRI_PARTNER_ID": "KSERVICES01",
            "BRI_INBOUND_CLIENT_ID": INBOUND_CLIENT_ID, "BRI_SIGNATURE_ENCODING": "hex",
            "BRI_PRIVATE_KEY_PATH": str(self.keyDir / "merchant_private.pem"),
            "BRI_PUBLIC_KEY_PATH": str(self.keyDir / "bri_public.pem"), "BRI_TIMEOUT_SECONDS": "5",
            "PAYMENT_RECONCILE_INTERVAL_SECONDS": str(reconcileSeconds)})
        waitHealthy(self.stack.url("public", "/health"), process=self.stack.servers["public"])

    def bri(self) -> BriSender:
        return BriSender(self.http, self.stack.url("public", ""), self.keyDir)

    async def createBriva(self, amount: int) -> dict[str, object]:
        headers = {"Authorization": f"Bearer {self.userToken}", "Idempotency-Key": generateId().hex}
        response = await self.http.post(self.stack.url("public", f"{PREFIX}/payments"), headers=headers,
                                        json={"amount": amount, "method": "briva", "description": "crash"})
        assert response.status_code == 201, response.text
        created: dict[str, object] = response.json()
        return created

    async def simulatorPays(self, virtualAccountNo: str) -> dict[str, object]:
        # The simulator marks the VA paid, then notifies the public server (token call, then signed POST).
        response = await self.http.post(self.stack.url("simulator", "/simulator/pay"),
                                        json={"virtualAccountNo": virtualAccountNo})
        assert response.status_code == 200, response.text
        paid: dict[str, object] = response.json()
        return paid


@asynccontextmanager
async def lockedPayment(database: Database, paymentId: str) -> AsyncIterator[int]:
    # Holds the payment row lock in an open transaction; yields this backend's pid; rolls back on exit.
    async with database.engine.connect() as connection:
        await connection.begin()
        pid = int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())
        await connection.execute(text("SELECT id FROM payments WHERE id = :id FOR UPDATE"), {"id": paymentId})
        try:
            yield pid
        finally:
            await connection.rollback()


Rows = list[tuple[object, ...]]


async def pollRows(database: Database, sql: str, done: Callable[[Rows], bool], failure: str,
                   **values: object) -> Rows:
    # Runs the query until done(rows), within the deadline.
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        async with database.engine.connect() as connection:
            rows = [tuple(row) for row in (await connection.execute(text(sql), values)).all()]
        if done(rows):
            return rows
        if time.monotonic() > deadline:
            raise AssertionError(f"{failure} after {DEADLINE_SECONDS} s: {rows}")
        await asyncio.sleep(POLL_SECONDS)


async def blockedBy(database: Database, holderPid: int) -> list[tuple[int, str]]:
    rows = await pollRows(database, BLOCKED_SQL, bool, "no backend waits for the payment row lock", holder=holderPid)
    return [(int(str(pid)), str(query)) for pid, query in rows]


async def terminateBackends(database: Database, pids: list[int]) -> None:
    async with database.engine.connect() as connection:
        await connection.execute(text("SELECT pg_terminate_backend(pid) FROM unnest(CAST(:pids AS int[])) AS pid"),
                                 {"pids": pids})


async def waitBackendsGone(database: Database, pids: list[int]) -> None:
    await pollRows(database, "SELECT pid FROM pg_stat_activity WHERE pid = ANY(:pids)", lambda rows: not rows,
                   "backends of the killed server still exist", pids=pids)


async def waitForStatus(database: Database, paymentId: str, status: str) -> None:
    await pollRows(database, "SELECT status FROM payments WHERE id = :id", lambda rows: rows[0][0] == status,
                   f"the payment is not {status}", id=paymentId)


async def eventRows(database: Database, paymentId: str) -> list[tuple[str, str]]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT kind, outcome FROM payment_events WHERE payment_id = :id ORDER BY received_at, id"),
            {"id": paymentId})
        return [(str(kind), str(outcome)) for kind, outcome in rows.all()]
