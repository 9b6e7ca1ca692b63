from __future__ import annotations

import pytest
from sqlalchemy.dialects import postgresql

from KSysAdmin.backend.domain.queries import AuditLogFilter
from KSysAdmin.backend.infrastructure.database.auditLogRepository import pageStatement
from KSysAdmin.tests.planSupport import indexNames, seededPlan
from shared.backend.config.settings import Settings

ENTRIES = 20000
# Every login writes an entry: the log grows without bound, spread over many targets.
AUDIT_SEED = """
INSERT INTO audit_logs (id, actor_id, actor_type, action, target_type, target_id, outcome, details, created_at)
SELECT gen_random_uuid(), NULL, 'anonymous', 'auth.login', 'user', 'user-' || (n % 2000), 'success', '{}',
       now() - n * interval '1 second'
FROM generate_series(1, $1::integer) AS n
"""


# The statement the admin API runs for GET /audit-logs?targetType=user&targetId=... (first page of 50, plus one).
def byTargetSql() -> str:
    statement = pageStatement(AuditLogFilter(targetType="user", targetId="user-7"), None, 51)
    return str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


# A user's audit page (the user page links it) reads the entries about that user from the (target_type,
# target_id) index, not by walking the whole log backwards from the newest entry.
@pytest.mark.parametrize("analyzed", [False, True], ids=["no statistics", "analyzed"])
async def test_byTargetUsesTheTargetIndex(settings: Settings, analyzed: bool) -> None:
    nodes = await seededPlan(settings, [(AUDIT_SEED, ENTRIES)], "audit_logs", analyzed, byTargetSql())
    assert indexNames(nodes) == {"ix_audit_logs_target_type_target_id_created_at_id"}, nodes
    assert not [node for node in nodes if node["Node Type"] in {"Sort", "Seq Scan"}], nodes
