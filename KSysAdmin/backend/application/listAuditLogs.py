from __future__ import annotations

from KSysAdmin.backend.application.auditLogOutput import AuditLogOutput, AuditLogPageOutput
from KSysAdmin.backend.application.cursorCodec import decodeCursor, encodeCursor
from KSysAdmin.backend.domain.interfaces.auditLogRepositoryInterface import AuditLogRepositoryInterface
from KSysAdmin.backend.domain.queries import AuditLogFilter

SORT = "-createdAt"


class ListAuditLogs:
    def __init__(self, auditLogs: AuditLogRepositoryInterface) -> None:
        self.auditLogs = auditLogs

    async def execute(self, filter: AuditLogFilter, cursor: str | None, limit: int) -> AuditLogPageOutput:
        rows = await self.auditLogs.listPage(filter, decodeCursor(cursor, SORT), limit + 1)
        page = rows[:limit]
        nextCursor = encodeCursor(SORT, page[-1].createdAt, page[-1].id) if len(rows) > limit and page else None
        return AuditLogPageOutput(items=[AuditLogOutput.model_validate(entry) for entry in page], nextCursor=nextCursor)
