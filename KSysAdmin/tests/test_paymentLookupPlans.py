from __future__ import annotations

import pytest

from KSysAdmin.tests.planSupport import indexNames, seededPlan
from shared.backend.config.settings import Settings

PAYMENTS = 11000
# The look-up of a VA notification (KSysPayment settlementRecords.settleStatement and
# paymentRepository.findByVirtualAccountNo): the newest payment holding the VA number, locked.
VA_LOOKUP = ("SELECT id FROM payments WHERE virtual_account_no = $1 "
             "ORDER BY created_at DESC LIMIT 1 FOR UPDATE")
USER_SEED = "INSERT INTO users (id, email, password_hash) VALUES (gen_random_uuid(), 'plans@example.com', 'h')"
PAYMENT_SEED = """
INSERT INTO payments (id, user_id, amount, method, status, idempotency_key, request_hash, virtual_account_no,
                      customer_no, partner_reference_no, description, bri_reference_no, expires_at, created_at,
                      updated_at)
SELECT gen_random_uuid(), (SELECT id FROM users), 15000, 'briva', 'pending', 'key-' || n, 'hash',
       '77777' || lpad(n::text, 13, '0'), lpad(n::text, 13, '0'), 'ref-' || n, 'order 0123456789ab', 'bri-' || n,
       now() + interval '1 day', now() + n * interval '1 millisecond', now()
FROM generate_series(1, $1::integer) AS n
"""


# A fresh deployment has no statistics on payments until autovacuum first analyzes it. The VA look-up must
# then still go straight to the VA number: once it walked ix_payments_created_at_id backwards and filtered,
# reading ~10,000 rows per notification (460 instead of 1,100 notifications/s in bench/payment.py).
@pytest.mark.parametrize("analyzed", [False, True], ids=["no statistics", "analyzed"])
async def test_vaLookupUsesTheVaIndexWithOrWithoutStatistics(settings: Settings, analyzed: bool) -> None:
    nodes = await seededPlan(settings, [(USER_SEED,), (PAYMENT_SEED, PAYMENTS)], "payments", analyzed, VA_LOOKUP,
                             "77777" + "1".zfill(13))
    assert indexNames(nodes) == {"ix_payments_virtual_account_no_created_at"}, nodes
    assert not [node for node in nodes if node["Node Type"] in {"Sort", "Seq Scan"}], nodes
