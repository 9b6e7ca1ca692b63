from __future__ import annotations

import json
from collections.abc import Iterator

import asyncpg
import pytest
from sqlalchemy.dialects import postgresql

from KSysAdmin.backend.domain.queries import AuditLogFilter
from KSysAdmin.backend.infrastructure.database.auditLogRepository import pageStatement
from KSysAdmin.tests.migrationSupport import alembicConfig, connectTo, runAlembic, scratchDatabase
from shared.backend.config.settings import Settings

ENTRIES = 20000
# Every login writes an entry: the log grows without bound, spread over many targets.
AUDIT_SEED = """
INSERT INTO audit_logs (id, actor_id, actor_type, action, target_type, target_id, outcome, details, created_at)
SELECT gen_random_uuid(), NULL, 'anonymous', 'auth.login', 'user', 'user-' || (n % 2000), 'success', '{}',
       now() - n * interval '1 second'
FROM generate_series(1, $1::integer) AS n
"""


def planNodes(node: dict[str, object]) -> Iterator[dict[str, object]]:
    yield node
    for child in node.get("Plans", []):
        yield from planNodes(child)


# The statement the admin API runs for GET /audit-logs?targetType=user&targetId=... (first page of 50, plus one).
def byTargetSql() -> str:
    statement = pageStatement(AuditLogFilter(targetType="user", targetId="user-7"), None, 51)
    return str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


async def byTargetPlan(connection: asyncpg.Connection) -> list[dict[str, object]]:
    explained = await connection.fetchval(f"EXPLAIN (FORMAT JSON) {byTargetSql()}")
    return list(planNodes(json.loads(explained)[0]["Plan"]))


# A user's audit page (the user page links it) reads the entries about that user from the (target_type,
# target_id) index, not by walking the whole log backwards from the newest entry.
@pytest.mark.parametrize("analyzed", [False, True], ids=["no statistics", "analyzed"])
async def test_byTargetUsesTheTargetIndex(settings: Settings, analyzed: bool) -> None:
    async with scratchDatabase(settings.database.url.get_secret_value()) as url:
        await runAlembic(alembicConfig(url), "upgrade", "head")
        connection = await connectTo(url)
        try:
            await connection.execute(AUDIT_SEED, ENTRIES)
            if analyzed:
                await connection.execute("ANALYZE audit_logs")
            nodes = await byTargetPlan(connection)
        finally:
            await connection.close()
    indexes = {node.get("Index Name") for node in nodes} - {None}
    assert indexes == {"ix_audit_logs_target_type_target_id_created_at_id"}, nodes
    assert not [node for node in nodes if node["Node Type"] in {"Sort", "Seq Scan"}], nodes
