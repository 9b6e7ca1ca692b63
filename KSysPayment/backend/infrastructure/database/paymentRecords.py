from __future__ import annotations

import uuid
from functools import cache

import asyncpg
from sqlalchemy.exc import DBAPIError

from KSysPayment.backend.domain.exceptions.gatewayErrors import GatewayBadResponseError
from KSysPayment.backend.domain.exceptions.paymentErrors import VirtualAccountNumberTakenError
from KSysPayment.backend.domain.models.auditLog import AuditLog
from KSysPayment.backend.domain.models.payment import Payment
from KSysPayment.backend.infrastructure.database.paymentStatements import openStatement, updateWithAuditStatement
from shared.backend.database.auditRecord import AuditRecord
from shared.backend.database.coreRows import columnOf, entityFrom, recordParameters, rowParameters
from shared.backend.database.driverPool import DriverPool
from shared.backend.database.driverStatement import DriverStatement

PENDING_VA_CONSTRAINT = "uq_payments_pending_virtual_account_no"
BRI_REFERENCE_CONSTRAINT = "uq_payments_bri_reference_no"
OPEN = DriverStatement(openStatement())


@cache
def updateStatement(changed: tuple[str, ...]) -> DriverStatement:
    return DriverStatement(updateWithAuditStatement(changed))


# The unique index a failed statement would have broken, None when it failed otherwise.
def violatedIndex(error: DBAPIError) -> str | None:
    cause = error.orig
    return cause.constraint_name if isinstance(cause, asyncpg.UniqueViolationError) else None


# A create's two writes on the driver pool (DriverStatement): each runs on every create.
class PaymentRecords:
    def __init__(self, pool: DriverPool) -> None:
        self.pool = pool

    # A concurrent insert of the same (user, Idempotency-Key) is waited for. False: the key was taken or the account
    # is not active.
    async def openIfAbsent(self, payment: Payment, audit: AuditRecord) -> bool:
        values = rowParameters(payment, "p_") | recordParameters(AuditLog, audit, "a_")
        try:
            return await self.pool.fetchRow(OPEN, values) is not None
        except DBAPIError as error:
            if violatedIndex(error) == PENDING_VA_CONSTRAINT:
                raise VirtualAccountNumberTakenError() from None
            raise

    async def updateWithAudit(self, id: uuid.UUID, changes: dict[str, object], audit: AuditRecord) -> Payment | None:
        changed = {columnOf(Payment, attribute): value for attribute, value in changes.items()}
        values = {"payment_id": id, **{f"p_{column}": value for column, value in changed.items()},
                  **recordParameters(AuditLog, audit, "a_")}
        try:
            row = await self.pool.fetchRow(updateStatement(tuple(changed)), values)
        except DBAPIError as error:
            if violatedIndex(error) == BRI_REFERENCE_CONSTRAINT:
                # Stored, it would let a notification for the other payment settle this one.
                raise GatewayBadResponseError("BRI answered a reference number another payment holds") from None
            raise
        if row is None:
            return None
        payment = entityFrom(Payment, row)
        audit.details.update(status=payment.status, amount=payment.amount)
        return payment
