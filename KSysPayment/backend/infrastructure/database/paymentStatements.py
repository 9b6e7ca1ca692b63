from __future__ import annotations

from functools import cache

from sqlalchemy import Insert, Select, bindparam, exists, func, insert, select, update
from sqlalchemy.dialects import postgresql

from KSysPayment.backend.domain.models.auditLog import AuditLog
from KSysPayment.backend.domain.models.payment import Payment
from KSysPayment.backend.domain.models.user import User
from shared.backend.database.coreRows import columnNames, columnParameters

# Payment writes done in one statement each, built once. Parameters: "p_<column>" for the payment,
# "a_<column>" for its audit row, "payment_id" for the payment updated (a column's name would be
# taken for its SET value).
IDEMPOTENCY_CONSTRAINT = "uq_payments_user_id_idempotency_key"
PAYMENTS = Payment.__table__  # type: ignore[attr-defined]
AUDIT_LOGS = AuditLog.__table__  # type: ignore[attr-defined]
USERS = User.__table__  # type: ignore[attr-defined]


# The one status that can hold a session (KSysAdmin's UserStatus.ACTIVE): a pending account cannot sign in, and an
# admin's lock or disable revokes the account's sessions.
ACTIVE = "active"


# The payment unless its (user, Idempotency-Key) exists or its account is no longer active (deleted, locked,
# disabled), and its audit row only if the payment was inserted. The user row is read FOR KEY SHARE: an account
# deletion or an admin's lock or disable holding it FOR UPDATE is waited for and the row read again, so a create that
# passed the gateway before the change inserts nothing after it.
@cache
def openStatement() -> Insert:
    paymentColumns, auditColumns = columnNames(Payment), columnNames(AuditLog)
    owner = bindparam("p_user_id", type_=PAYMENTS.c.user_id.type)
    liveOwner = exists(select(USERS.c.id)
                       .where(USERS.c.id == owner, USERS.c.deleted_at.is_(None), USERS.c.status == ACTIVE)
                       .with_for_update(read=True, key_share=True))
    values = select(*columnParameters(PAYMENTS, "p_", paymentColumns)).where(liveOwner)
    opened = (postgresql.insert(PAYMENTS).from_select(paymentColumns, values)
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
