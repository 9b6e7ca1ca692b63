from __future__ import annotations

import pytest
from sqlalchemy.dialects import postgresql

from KSysAdmin.backend.domain.queries import PaymentFilter
from KSysAdmin.backend.infrastructure.database.paymentRepository import pageStatement
from KSysAdmin.tests.planSupport import indexNames, seededPlan
from shared.backend.config.settings import Settings

PAYMENTS = 20000
USER_SEED = "INSERT INTO users (id, email, password_hash) VALUES (gen_random_uuid(), 'plans@example.com', 'h')"
# Flags accumulate over the years (every 10th payment here) and admins resolve almost all of them: the open ones
# (every 200th) are a few among many resolved.
PAYMENT_SEED = """
INSERT INTO payments (id, user_id, amount, method, status, idempotency_key, request_hash, partner_reference_no,
                      expires_at, created_at, flagged_reason, flag_resolved_at, flag_resolved_by, flag_resolution)
SELECT gen_random_uuid(), u.id, 15000, 'qris', 'cancelled', 'key-' || n, 'hash', 'ref-' || n,
       now(), now() - n * interval '1 second',
       CASE WHEN n % 10 = 0 THEN 'late_payment: paid while cancelled' END,
       CASE WHEN n % 10 = 0 AND n % 200 <> 0 THEN now() END,
       CASE WHEN n % 10 = 0 AND n % 200 <> 0 THEN u.id END,
       CASE WHEN n % 10 = 0 AND n % 200 <> 0 THEN 'refunded' END
FROM generate_series(1, $1::integer) AS n, (SELECT id FROM users) AS u
"""


# The statement the admin API runs for GET /payments?flagged=true&flagResolved=false (first page of 50, plus one).
def openFlagsSql() -> str:
    statement = pageStatement(PaymentFilter(flagged=True, flagResolved=False), None, 51)
    return str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


# The Flagged list's open flags are read from the partial index of open flags alone, not from the index of every
# flag filtered row by row (which reads past every resolved flag) nor by a scan of the table. Without statistics
# the planner may sort what that index holds: the open flags only, the few an admin has still to handle.
@pytest.mark.parametrize("analyzed", [False, True], ids=["no statistics", "analyzed"])
async def test_openFlagsUseTheOpenFlagIndex(settings: Settings, analyzed: bool) -> None:
    nodes = await seededPlan(settings, [(USER_SEED,), (PAYMENT_SEED, PAYMENTS)], "payments", analyzed, openFlagsSql())
    assert indexNames(nodes) == {"ix_payments_open_flag_created_at_id"}, nodes
    refused = {"Seq Scan", "Sort"} if analyzed else {"Seq Scan"}
    assert not [node for node in nodes if node["Node Type"] in refused], nodes
