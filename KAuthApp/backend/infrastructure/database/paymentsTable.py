from __future__ import annotations

from sqlalchemy import BigInteger, DateTime, Text, Uuid, column, table

# KSysPayment's table as KAuthApp reads it, never writes: the columns an account deletion (a pending or unsettled
# payment?) and the data export use, found through ix_payments_user_id_created_at_id.
PAYMENTS = table(
    "payments", column("id", Uuid), column("user_id", Uuid), column("amount", BigInteger), column("currency", Text),
    column("method", Text), column("status", Text), column("description", Text), column("virtual_account_no", Text),
    column("created_at", DateTime(timezone=True)), column("expires_at", DateTime(timezone=True)),
    column("paid_at", DateTime(timezone=True)), column("failure_reason", Text), column("flagged_reason", Text),
    column("flag_resolved_at", DateTime(timezone=True)), column("recheck_at", DateTime(timezone=True)),
)
