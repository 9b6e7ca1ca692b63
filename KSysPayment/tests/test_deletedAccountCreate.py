from __future__ import annotations

import asyncio
import secrets

import pytest
from sqlalchemy import text

from KSysPayment.tests.support.paymentQueries import execute
from KSysPayment.tests.support.paymentRows import newPayment, openPayment
from KSysPayment.tests.support.paymentStack import Payer, PaymentStack
from shared.backend.database.engine import Database

# What account deletion (KAuthApp deleteAccount.py) writes, under the user row's lock.
ERASE = "UPDATE users SET status = 'deleted', deleted_at = now() WHERE id = :id"
# What an admin's disable or lock (KSysAdmin changeUserStatus.py) writes under the user row's lock; the sessions'
# Redis keys go after its commit.
END = "UPDATE users SET status = :status WHERE id = :id"


async def paymentsOf(database: Database, payer: Payer) -> int:
    async with database.engine.connect() as connection:
        return int((await connection.execute(
            text("SELECT count(*) FROM payments WHERE user_id = :id"), {"id": payer.id})).scalar_one())


# Blocked statements waiting for a row lock, other than the caller's.
async def lockWaiters(database: Database) -> int:
    async with database.engine.connect() as connection:
        return int((await connection.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database() "
            "AND query LIKE '%INSERT INTO payments%'"))).scalar_one())


async def test_createForADeletedAccountIsRefusedAndWritesNothing(
    paymentStack: PaymentStack, payer: Payer, database: Database
) -> None:
    # The gateway let the request in (its session key is still in Redis) but the account is gone.
    await execute(database, ERASE, id=payer.id)
    response = await paymentStack.create(payer, amount=15000, method="briva")
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "session_revoked"
    assert await paymentsOf(database, payer) == 0
    assert (await paymentStack.simulatorState())["virtualAccounts"] == []


async def test_createWaitingOnADeletionInsertsNothingOnceItCommits(database: Database, payer: Payer) -> None:
    async with database.engine.connect() as deletion:
        transaction = await deletion.begin()
        await deletion.execute(text("SELECT id FROM users WHERE id = :id FOR UPDATE"), {"id": payer.id})
        await deletion.execute(text(ERASE), {"id": payer.id})
        create = asyncio.create_task(openPayment(database, newPayment(payer, secrets.token_hex(8))))
        for _ in range(200):
            if await lockWaiters(database) or create.done():
                break
            await asyncio.sleep(0.02)
        assert not create.done(), "the create did not wait for the deletion's lock"
        await transaction.commit()
    assert await create is False
    assert await paymentsOf(database, payer) == 0



@pytest.mark.parametrize(("status", "method"), [("disabled", "briva"), ("locked", "briva"), ("disabled", "qris")])
async def test_createWaitingOnADisableInsertsNothingAndCallsNoBri(
    paymentStack: PaymentStack, payer: Payer, database: Database, status: str, method: str
) -> None:
    # The token check passed (the session key is still in Redis); the admin's change commits while the insert waits.
    async with database.engine.connect() as admin:
        transaction = await admin.begin()
        await admin.execute(text("SELECT id FROM users WHERE id = :id FOR UPDATE"), {"id": payer.id})
        await admin.execute(text(END), {"id": payer.id, "status": status})
        create = asyncio.create_task(paymentStack.create(payer, amount=15000, method=method))
        for _ in range(200):
            if await lockWaiters(database) or create.done():
                break
            await asyncio.sleep(0.02)
        assert not create.done(), "the create did not wait for the admin's lock"
        await transaction.commit()
    response = await create
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "session_revoked"
    assert await paymentsOf(database, payer) == 0
    state = await paymentStack.simulatorState()
    assert (state["virtualAccounts"], state["qris"]) == ([], [])
