from __future__ import annotations

import json
from collections.abc import Iterator

import asyncpg
import pytest

from KSysAdmin.tests.migrationSupport import alembicConfig, connectTo, runAlembic, scratchDatabase
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


def planNodes(node: dict[str, object]) -> Iterator[dict[str, object]]:
    yield node
    for child in node.get("Plans", []):
        yield from planNodes(child)


async def vaLookupPlan(connection: asyncpg.Connection) -> list[dict[str, object]]:
    explained = await connection.fetchval(f"EXPLAIN (FORMAT JSON) {VA_LOOKUP}", "77777" + "1".zfill(13))
    return list(planNodes(json.loads(explained)[0]["Plan"]))


# A fresh deployment has no statistics on payments until autovacuum first analyzes it. The VA look-up must
# then still go straight to the VA number: once it walked ix_payments_created_at_id backwards and filtered,
# reading ~10,000 rows per notification (460 instead of 1,100 notifications/s in bench/payment.py).
@pytest.mark.parametrize("analyzed", [False, True], ids=["no statistics", "analyzed"])
async def test_vaLookupUsesTheVaIndexWithOrWithoutStatistics(settings: Settings, analyzed: bool) -> None:
    async with scratchDatabase(settings.database.url.get_secret_value()) as url:
        await runAlembic(alembicConfig(url), "upgrade", "head")
        connection = await connectTo(url)
        try:
            await connection.execute(USER_SEED)
            await connection.execute(PAYMENT_SEED, PAYMENTS)
            if analyzed:
                await connection.execute("ANALYZE payments")
            nodes = await vaLookupPlan(connection)
        finally:
            await connection.close()
    indexes = {node.get("Index Name") for node in nodes} - {None}
    assert indexes == {"ix_payments_virtual_account_no_created_at"}, nodes
    assert not [node for node in nodes if node["Node Type"] in {"Sort", "Seq Scan"}], nodes
