from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx2
import pytest

from KSysPayment.backend.infrastructure.bri.generateKeys import generatePairs
from KSysPayment.tests.support.briSender import VA_NOTIFY
from KSysPayment.tests.support.paymentQueries import auditActions, execute, storedPayment
from shared.backend.config.settings import DatabaseSettings, RedisSettings, Settings
from shared.backend.database.engine import createDatabase
from shared.backend.redis.client import createRedisClient
from tests.faults.privateStack import privateStackIn
from tests.faults.settlementCrash import (
    CrashStack,
    blockedBy,
    eventRows,
    lockedPayment,
    terminateBackends,
    waitBackendsGone,
    waitForStatus,
)
from tests.security.securitySupport import AccountFactory

AMOUNT = 15000
ACKNOWLEDGED = "2003400"
# Long enough that only the pass at startup runs; a payment expiring in an hour is not due then.
IDLE_RECONCILE_SECONDS = 3600


@pytest.fixture(scope="module")
async def crashStack(settings: Settings) -> AsyncIterator[CrashStack]:
    with privateStackIn("kservices-crash-") as private:
        keys = private.directory / "keys"
        database = createDatabase(DatabaseSettings(DATABASE_URL=private.databaseUrl))  # type: ignore[call-arg]
        try:
            generatePairs(keys)
            private.prepare()
            async with httpx2.AsyncClient(timeout=30) as http:
                crash = CrashStack(private, keys, database, http)
                crash.startSimulator()
                redis = createRedisClient(RedisSettings(REDIS_URL=private.redis.url))  # type: ignore[call-arg]
                try:
                    account = await AccountFactory(settings, database, redis).create(["user"], "crash")
                finally:
                    await redis.aclose()
                crash.userToken = account.userToken
                yield crash
        finally:
            await database.engine.dispose()


@pytest.fixture
def crash(crashStack: CrashStack) -> Iterator[CrashStack]:
    try:
        crashStack.startPublic(IDLE_RECONCILE_SECONDS)
        yield crashStack
    finally:
        if "public" in crashStack.stack.servers:
            crashStack.stack.terminate("public")


# The server is killed while its settlement statement waits for the payment row lock. The statement has
# reached PostgreSQL whole, so it commits once the lock is free, unless `abandon` terminates its backend
# first (as when a server dies before its statement is sent): then nothing is written.
async def killDuringSettlement(crash: CrashStack, payment: dict[str, object], abandon: bool) -> dict[str, object]:
    paymentId = str(payment["id"])
    async with lockedPayment(crash.database, paymentId) as holder:
        paying = asyncio.create_task(crash.simulatorPays(str(payment["virtualAccountNo"])))
        try:
            blocked = await blockedBy(crash.database, holder)
            assert any("FROM payments" in query and "FOR UPDATE" in query for _, query in blocked), blocked
        except BaseException:
            paying.cancel()
            raise
        crash.stack.kill("public")
        paid = await asyncio.wait_for(paying, 15)
        if abandon:
            await terminateBackends(crash.database, [pid for pid, _ in blocked])
    await waitBackendsGone(crash.database, [pid for pid, _ in blocked])
    return paid


def assertUnanswered(paid: dict[str, object]) -> None:
    notifications = paid["notifications"]
    assert isinstance(notifications, list) and len(notifications) == 1, paid
    # No HTTP answer at all: BRI sees a transport failure and retries.
    assert notifications[0]["status"] == 0, notifications


async def assertNothingWritten(crash: CrashStack, paymentId: str) -> None:
    stored = await storedPayment(crash.database, paymentId)
    assert (stored["status"], stored["paid_at"]) == ("pending", None)
    assert await eventRows(crash.database, paymentId) == []
    assert "payment.paid" not in await auditActions(crash.database, paymentId)


async def assertPaidOnce(crash: CrashStack, paymentId: str, kind: str) -> None:
    assert (await storedPayment(crash.database, paymentId))["status"] == "paid"
    assert await eventRows(crash.database, paymentId) == [(kind, "settled")]
    assert (await auditActions(crash.database, paymentId)).count("payment.paid") == 1


async def briRetries(crash: CrashStack, body: object) -> None:
    assert isinstance(body, dict)
    response = await crash.bri().notify(VA_NOTIFY, body)
    assert response.status_code == 200, response.text
    assert response.json()["responseCode"] == ACKNOWLEDGED


async def test_killedMidSettlementBriRetryCreditsOnce(crash: CrashStack) -> None:
    payment = await crash.createBriva(AMOUNT)
    paymentId = str(payment["id"])
    paid = await killDuringSettlement(crash, payment, abandon=False)
    assertUnanswered(paid)
    # The killed server's statement committed by itself: paid once, though BRI got no answer.
    await assertPaidOnce(crash, paymentId, "va_notify")
    paidAt = (await storedPayment(crash.database, paymentId))["paid_at"]
    crash.startPublic(IDLE_RECONCILE_SECONDS)
    # BRI's retries: the same body, with a fresh token, timestamp and signature; acknowledged, not credited.
    for _ in range(2):
        await briRetries(crash, paid["notification"])
        await assertPaidOnce(crash, paymentId, "va_notify")
    assert (await storedPayment(crash.database, paymentId))["paid_at"] == paidAt


async def test_abandonedSettlementBriRetrySettlesOnce(crash: CrashStack) -> None:
    payment = await crash.createBriva(AMOUNT)
    paymentId = str(payment["id"])
    paid = await killDuringSettlement(crash, payment, abandon=True)
    assertUnanswered(paid)
    await assertNothingWritten(crash, paymentId)
    crash.startPublic(IDLE_RECONCILE_SECONDS)
    await briRetries(crash, paid["notification"])
    await assertPaidOnce(crash, paymentId, "va_notify")
    paidAt = (await storedPayment(crash.database, paymentId))["paid_at"]
    await briRetries(crash, paid["notification"])
    await assertPaidOnce(crash, paymentId, "va_notify")
    assert (await storedPayment(crash.database, paymentId))["paid_at"] == paidAt


async def test_abandonedSettlementReconciliationSettlesOnce(crash: CrashStack) -> None:
    payment = await crash.createBriva(AMOUNT)
    paymentId = str(payment["id"])
    paid = await killDuringSettlement(crash, payment, abandon=True)
    assertUnanswered(paid)
    await assertNothingWritten(crash, paymentId)
    # No retry: the restarted server's reconciliation polls BRI, which has the VA as paid.
    await execute(crash.database, "UPDATE payments SET expires_at = now() + interval '1 minute' WHERE id = :id",
                  id=paymentId)
    crash.startPublic(reconcileSeconds=1)
    await waitForStatus(crash.database, paymentId, "paid")
    await assertPaidOnce(crash, paymentId, "va_poll")
    # BRI's retry arriving after the poll carries the same paymentRequestId: acknowledged, not credited again.
    await briRetries(crash, paid["notification"])
    await assertPaidOnce(crash, paymentId, "va_poll")
