from __future__ import annotations

import asyncio
import secrets

import pytest

from KSysPayment.backend.application.auditTrail import auditRow
from KSysPayment.backend.domain.interfaces.settlementRecordsInterface import SettlementLookup
from KSysPayment.backend.domain.models.paymentEvent import PaymentEvent
from KSysPayment.backend.infrastructure.database.settlementRecords import SettlementRecords
from KSysPayment.tests.support.paymentQueries import auditActions, eventOutcomes, execute, storedPayment
from KSysPayment.tests.support.paymentRows import CONTEXT, newPayment, openPayment
from KSysPayment.tests.support.paymentStack import Payer
from shared.backend.database.auditRecord import AuditRecord
from shared.backend.database.engine import Database


def newAccount() -> str:
    return "   77777" + str(10**12 + secrets.randbelow(10**12))


def settledEvent(dedupeKey: str) -> PaymentEvent:
    return PaymentEvent(kind="va_notify", dedupeKey=dedupeKey, raw={"n": dedupeKey}, signatureValid=True,
                        outcome="settled")


def paidEntry() -> AuditRecord:
    return auditRow("payment.paid", None, CONTEXT, details={"status": "paid", "amount": 15000})


async def settle(database: Database, account: str, dedupeKey: str, method: str = "briva", amount: int = 15000,
                 briReferenceNo: str | None = None) -> object:
    return await SettlementRecords(database.driverPool).settleIfPending(
        SettlementLookup.VIRTUAL_ACCOUNT, account, method, amount, briReferenceNo, settledEvent(dedupeKey),
        paidEntry())


async def test_settlesAPendingPaymentOnceWithItsEventAndAudit(database: Database, payer: Payer) -> None:
    account = newAccount()
    payment = newPayment(payer, secrets.token_hex(8), account)
    await openPayment(database, payment)
    assert await settle(database, account, f"va:1:{account}") == payment.id
    row = await storedPayment(database, str(payment.id))
    assert row["status"] == "paid" and row["paid_at"] is not None and row["paid_at"] == row["updated_at"]
    assert await eventOutcomes(database, str(payment.id)) == ["settled"]
    assert await auditActions(database, str(payment.id)) == ["payment.created", "payment.paid"]
    # The same report again, and a second report: nothing more is written.
    assert await settle(database, account, f"va:1:{account}") is None
    assert await settle(database, account, f"va:2:{account}") is None
    assert await eventOutcomes(database, str(payment.id)) == ["settled"]
    assert await auditActions(database, str(payment.id)) == ["payment.created", "payment.paid"]


@pytest.mark.parametrize(("method", "amount", "briReferenceNo", "stored"), [
    ("briva", 15001, None, None),
    ("qris", 15000, None, None),
    ("briva", 15000, "R-2", "R-1"),
])
async def test_writesNothingWhenTheReportDiffers(
    database: Database, payer: Payer, method: str, amount: int, briReferenceNo: str | None, stored: str | None,
) -> None:
    account, run = newAccount(), secrets.token_hex(6)  # BRI references are unique (uq_payments_bri_reference_no)
    payment = newPayment(payer, secrets.token_hex(8), account)
    payment.briReferenceNo = stored and f"{stored}-{run}"
    await openPayment(database, payment)
    reported = briReferenceNo and f"{briReferenceNo}-{run}"
    assert await settle(database, account, f"va:1:{account}", method, amount, reported) is None
    assert (await storedPayment(database, str(payment.id)))["status"] == "pending"
    assert await eventOutcomes(database, str(payment.id)) == []
    assert await auditActions(database, str(payment.id)) == ["payment.created"]


async def test_aMatchingBriReferenceSettles(database: Database, payer: Payer) -> None:
    account = newAccount()
    payment = newPayment(payer, secrets.token_hex(8), account)
    payment.briReferenceNo = f"R-{secrets.token_hex(6)}"
    await openPayment(database, payment)
    assert await settle(database, account, f"va:1:{account}", briReferenceNo=payment.briReferenceNo) == payment.id


async def test_writesNothingForAPaymentNoLongerPending(database: Database, payer: Payer) -> None:
    account = newAccount()
    payment = newPayment(payer, secrets.token_hex(8), account)
    await openPayment(database, payment)
    await execute(database, "UPDATE payments SET status = 'cancelled' WHERE id = :id", id=payment.id)
    assert await settle(database, account, f"va:1:{account}") is None
    assert await eventOutcomes(database, str(payment.id)) == []


async def test_concurrentReportsSettleExactlyOnce(database: Database, payer: Payer) -> None:
    account = newAccount()
    payment = newPayment(payer, secrets.token_hex(8), account)
    await openPayment(database, payment)
    results = await asyncio.gather(*(settle(database, account, f"va:{index}:{account}") for index in range(8)))
    assert [result for result in results if result is not None] == [payment.id]
    assert await eventOutcomes(database, str(payment.id)) == ["settled"]
    assert (await auditActions(database, str(payment.id))).count("payment.paid") == 1
