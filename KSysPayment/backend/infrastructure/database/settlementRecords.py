from __future__ import annotations

import uuid
from functools import cache

from sqlalchemy import ColumnElement, Table, Text, bindparam, cast, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql

from KSysPayment.backend.domain.interfaces.settlementRecordsInterface import SettlementLookup
from KSysPayment.backend.domain.models.auditLog import AuditLog
from KSysPayment.backend.domain.models.payment import PaymentStatus
from KSysPayment.backend.domain.models.paymentEvent import PaymentEvent
from KSysPayment.backend.infrastructure.database.paymentStatements import AUDIT_LOGS, PAYMENTS
from shared.backend.database.auditRecord import AuditRecord
from shared.backend.database.coreRows import columnNames, columnParameters, recordParameters, rowParameters
from shared.backend.database.driverPool import DriverPool
from shared.backend.database.driverStatement import DriverStatement

EVENTS: Table = PaymentEvent.__table__  # type: ignore[attr-defined]
LOOKUPS = {SettlementLookup.VIRTUAL_ACCOUNT: PAYMENTS.c.virtual_account_no,
           SettlementLookup.PARTNER_REFERENCE: PAYMENTS.c.partner_reference_no}


# One autocommit statement for a report that settles a pending payment: the payment found by `lookup` (the
# newest, as the locked look-up takes it) is locked and must still be pending, of the reported method, amount
# and BRI reference; then the event row (nothing if its dedupe key exists), the paid state and the audit row
# (its target id the payment's). Anything else writes nothing and returns no row.
@cache
def settleStatement(lookup: SettlementLookup, withBriReference: bool) -> DriverStatement:
    target = (select(PAYMENTS.c.id, PAYMENTS.c.method, PAYMENTS.c.status, PAYMENTS.c.amount,
                     PAYMENTS.c.bri_reference_no)
              .where(LOOKUPS[lookup] == bindparam("lookup", type_=Text))
              .order_by(PAYMENTS.c.created_at.desc()).limit(1).with_for_update().cte("target"))
    conditions: list[ColumnElement[bool]] = [
        target.c.status == PaymentStatus.PENDING.value, target.c.method == bindparam("method", type_=Text),
        target.c.amount == bindparam("amount", type_=PAYMENTS.c.amount.type),
    ]
    if withBriReference:
        reported = bindparam("bri_reference_no", type_=Text)
        stored = target.c.bri_reference_no
        conditions.append(or_(func.coalesce(stored, "") == "", stored == reported))
    eligible = select(target.c.id).where(*conditions).cte("eligible")
    eventColumns = columnNames(PaymentEvent)
    eventValues = columnParameters(EVENTS, "e_", eventColumns)
    eventValues[eventColumns.index("payment_id")] = eligible.c.id  # type: ignore[call-overload]
    recorded = (postgresql.insert(EVENTS).from_select(eventColumns, select(*eventValues).select_from(eligible))
                .on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(EVENTS.c.payment_id).cte("recorded"))
    now = bindparam("now", type_=PAYMENTS.c.paid_at.type)
    paid = (update(PAYMENTS)
            .where(PAYMENTS.c.id.in_(select(recorded.c.payment_id)),
                   PAYMENTS.c.status == PaymentStatus.PENDING.value)
            .values(status=PaymentStatus.PAID.value, paid_at=now, updated_at=now).returning(PAYMENTS.c.id).cte("paid"))
    auditColumns = columnNames(AuditLog)
    auditValues = columnParameters(AUDIT_LOGS, "a_", auditColumns)
    auditValues[auditColumns.index("target_id")] = cast(paid.c.id, Text)  # type: ignore[call-overload]
    audited = insert(AUDIT_LOGS).from_select(auditColumns, select(*auditValues).select_from(paid)).cte("audited")
    return DriverStatement(select(paid.c.id).add_cte(audited))


# A paid report's usual case in one statement on the driver pool (SettlementRecordsInterface); the caller's
# locked transaction handles every other case (duplicates, mismatches, late or unknown payments).
class SettlementRecords:
    def __init__(self, pool: DriverPool) -> None:
        self.pool = pool

    async def settleIfPending(
        self, lookup: SettlementLookup, key: str, method: str, amount: int, briReferenceNo: str | None,
        event: PaymentEvent, audit: AuditRecord,
    ) -> uuid.UUID | None:
        values = {
            "lookup": key, "method": method, "amount": amount, "bri_reference_no": briReferenceNo,
            "now": event.receivedAt, **rowParameters(event, "e_"), **recordParameters(AuditLog, audit, "a_"),
        }
        row = await self.pool.fetchRow(settleStatement(lookup, briReferenceNo is not None), values)
        return row[0] if row is not None else None
