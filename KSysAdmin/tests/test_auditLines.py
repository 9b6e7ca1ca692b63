from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from KSysAdmin.backend.application.auditTrail import AuditTrail
from KSysAdmin.backend.domain.adminPrincipal import RequestContext
from KSysAdmin.backend.domain.models.auditLog import AuditOutcome
from KSysAdmin.backend.infrastructure.database.auditLogRepository import AuditLogRepository
from shared.backend.config.settings import AppSettings
from shared.backend.database.engine import Database
from shared.backend.exceptions.domainError import DomainError
from shared.backend.loggingFactory import configureLogging
from shared.backend.utils.uuid import generateId

ACTION = "test.audit_lines"


def auditLines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    return [record for record in records if record.get("label") == ACTION]


# An action recorded as done and then refused is rolled back: the log says what the rows say, the refusal
# alone, and says it only once the refusal is committed.
async def test_aRolledBackEntryHasNoLogLine(adminDatabase: Database, capsys: pytest.CaptureFixture[str]) -> None:
    configureLogging(AppSettings(APP_ENV="test", LOG_FORMAT="json"))  # type: ignore[call-arg]
    capsys.readouterr()
    context, targetId = RequestContext(requestId="audit-lines-0001", ip=None), generateId()
    async with adminDatabase.sessionFactory() as session:
        trail = AuditTrail(AuditLogRepository(session), session)
        with pytest.raises(DomainError):
            async with trail.audited(context, None, ACTION, "user", targetId):
                await trail.record(context, None, ACTION, AuditOutcome.SUCCESS, "user", targetId)
                assert auditLines(capsys) == []  # not committed yet
                raise DomainError(code="refused_late")
        rows = (await session.execute(text("SELECT outcome FROM audit_logs WHERE target_id = :id"),
                                      {"id": str(targetId)})).scalars().all()
    assert rows == ["failure"]
    assert [line["outcome"] for line in auditLines(capsys)] == ["failure"]
