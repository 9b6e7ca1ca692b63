from __future__ import annotations

from functools import cache

from sqlalchemy import Insert, Select, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql

from KSysPayment.backend.domain.models.auditLog import AuditLog
from KSysPayment.backend.domain.models.payment import Payment
from shared.backend.database.coreRows import columnNames, columnParameters

# Payment writes done in one statement each, built once. Parameters: "p_<column>" for the payment,
# "a_<column>" for its audit row, "payment_id" for the payment updated (a column's name would be
# taken for its SET value).
IDEMPOTENCY_CONSTRAINT = "uq_payments_user_id_idempotency_key"
PAYMENTS = Payment.__table__  # type: ignore[attr-defined]
AUDIT_LOGS = AuditLog.__table__  # type: ignore[attr-defined]


# The payment unless its (user, Idempotency-Key) exists, and its audit row only if the payment was inserted.
@cache
def openStatement() -> Insert:
    paymentColumns, auditColumns = columnNames(Payment), columnNames(AuditLog)
    opened = (postgresql.insert(PAYMENTS)
              .values(dict(zip(paymentColumns, columnParameters(PAYMENTS, "p_", paymentColumns), strict=True)))
              .on_conflict_do_nothing(constraint=IDEMPOTENCY_CONSTRAINT).returning(PAYMENTS.c.id).cte("opened"))
    audit = select(*columnParameters(AUDIT_LOGS, "a_", auditColumns)).select_from(opened)
    return insert(AUDIT_LOGS).from_select(auditColumns, audit).returning(AUDIT_LOGS.c.id)


# The changed columns and an audit row whose details get the row's status and amount after the change;
# selects the updated payment.
@cache
def updateWithAuditStatement(changed: tuple[str, ...]) -> Select:  # type: ignore[type-arg]
    stored = (update(PAYMENTS).where(PAYMENTS.c.id == bindparam("payment_id", type_=PAYMENTS.c.id.type))
              .values(dict(zip(changed, columnParameters(PAYMENTS, "p_", changed), strict=True)))
              .returning(*PAYMENTS.c).cte("stored"))
    auditColumns = columnNames(AuditLog)
    values = columnParameters(AUDIT_LOGS, "a_", auditColumns)
    details = auditColumns.index("details")
    values[details] = values[details].op("||")(  # type: ignore[assignment]
        func.jsonb_build_object("status", stored.c.status, "amount", stored.c.amount))
    audited = insert(AUDIT_LOGS).from_select(auditColumns, select(*values).select_from(stored)).cte("audited")
    return select(stored).add_cte(audited)
