from __future__ import annotations

import secrets

import pytest
from sqlalchemy import text

from KSysPayment.backend.application.auditTrail import auditEntry
from KSysPayment.backend.domain.exceptions.paymentErrors import VirtualAccountNumberTakenError
from KSysPayment.backend.infrastructure.database.paymentRecords import PaymentRecords
from KSysPayment.tests.support.paymentQueries import auditActions, execute, storedPayment
from KSysPayment.tests.support.paymentRows import CONTEXT, newPayment, openPayment
from KSysPayment.tests.support.paymentStack import Payer
from shared.backend.database.engine import Database


async def test_openIfAbsentWritesPaymentAndAuditOnlyForANewKey(database: Database, payer: Payer) -> None:
    key = secrets.token_hex(8)
    first, second = newPayment(payer, key), newPayment(payer, key)
    assert await openPayment(database, first) is True
    assert await openPayment(database, second) is False
    async with database.engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT id FROM payments WHERE user_id = :user AND idempotency_key = :key"),
            {"user": payer.id, "key": key})
        ids = rows.scalars().all()
    assert ids == [first.id]
    assert await auditActions(database, str(first.id)) == ["payment.created"]
    assert await auditActions(database, str(second.id)) == []


async def test_openIfAbsentRefusesAPendingVaNumberAndWritesNothing(database: Database, payer: Payer) -> None:
    va = "   77777" + str(10**12 + secrets.randbelow(10**12))
    assert await openPayment(database, newPayment(payer, secrets.token_hex(8), va)) is True
    clash = newPayment(payer, secrets.token_hex(8), va)
    with pytest.raises(VirtualAccountNumberTakenError):
        await openPayment(database, clash)
    assert await auditActions(database, str(clash.id)) == []


async def test_updateWithAuditStoresChangesAndAuditsTheStoredStatus(database: Database, payer: Payer) -> None:
    payment = newPayment(payer, secrets.token_hex(8))
    await openPayment(database, payment)
    await execute(database, "UPDATE payments SET status = 'cancelled' WHERE id = :id", id=payment.id)
    entry = auditEntry("payment.provisioned", payment, CONTEXT)
    reference = f"R-{secrets.token_hex(6)}"  # BRI references are unique (uq_payments_bri_reference_no)
    changes = {"qrContent": "QR-1", "briReferenceNo": reference}
    stored = await PaymentRecords(database.driverPool).updateWithAudit(payment.id, changes, entry)
    assert stored is not None
    assert (stored.status, stored.qrContent, stored.briReferenceNo) == ("cancelled", "QR-1", reference)
    assert (stored.id, stored.userId, stored.expiresAt, stored.customerNo) == (
        payment.id, payer.id, payment.expiresAt, None)
    row = await storedPayment(database, str(payment.id))
    assert (row["qr_content"], row["bri_reference_no"]) == ("QR-1", reference)
    async with database.engine.connect() as connection:
        details = (await connection.execute(
            text("SELECT details FROM audit_logs WHERE target_id = :id AND action = 'payment.provisioned'"),
            {"id": str(payment.id)})).scalar_one()
    assert details == {"status": "cancelled", "amount": 15000}
    assert entry.details == details


async def test_updateWithAuditOfAnUnknownPaymentWritesNothing(database: Database, payer: Payer) -> None:
    missing = newPayment(payer, secrets.token_hex(8))
    stored = await PaymentRecords(database.driverPool).updateWithAudit(
        missing.id, {"qrContent": "QR-2"}, auditEntry("payment.provisioned", missing, CONTEXT))
    assert stored is None
    assert await auditActions(database, str(missing.id)) == []
