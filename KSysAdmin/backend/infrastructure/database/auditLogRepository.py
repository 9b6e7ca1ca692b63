from __future__ import annotations

import uuid

from sqlalchemy import Select, select
from sqlalchemy.sql.elements import ColumnElement

from KSysAdmin.backend.domain.models.auditLog import AuditLog
from KSysAdmin.backend.domain.queries import AuditLogFilter, KeysetPosition
from KSysAdmin.backend.infrastructure.database.newestFirstPage import newestFirstPage
from shared.backend.database.baseRepository import BaseRepository


# One page of the audit log, newest first. Every filter it is given names an index's leading column (the HTTP
# route refuses a target id without its type), so no filter combination scans the whole log.
def pageStatement(filter: AuditLogFilter, after: KeysetPosition | None, limit: int) -> Select[tuple[AuditLog]]:
    conditions: list[ColumnElement[bool]] = []
    if filter.actorId is not None:
        conditions.append(AuditLog.actorId == filter.actorId)
    if filter.targetType is not None:
        conditions.append(AuditLog.targetType == filter.targetType)
    if filter.targetId is not None:
        conditions.append(AuditLog.targetId == filter.targetId)
    if filter.action is not None:
        conditions.append(AuditLog.action == filter.action)
    return newestFirstPage(AuditLog, conditions, (filter.since, filter.until), after, limit)


class AuditLogRepository(BaseRepository[AuditLog]):
    model = AuditLog

    async def listPage(self, filter: AuditLogFilter, after: KeysetPosition | None, limit: int) -> list[AuditLog]:
        return list((await self.session.execute(pageStatement(filter, after, limit))).scalars().all())

    async def recentForUser(self, userId: uuid.UUID, limit: int) -> list[AuditLog]:
        # Two indexed queries merged here: entries about the user and entries by the user.
        about = (
            select(AuditLog)
            .where(AuditLog.targetType == "user", AuditLog.targetId == str(userId))
            .order_by(AuditLog.createdAt.desc(), AuditLog.id.desc())
            .limit(limit)
        )
        by = (
            select(AuditLog)
            .where(AuditLog.actorId == userId)
            .order_by(AuditLog.createdAt.desc(), AuditLog.id.desc())
            .limit(limit)
        )
        entries: dict[uuid.UUID, AuditLog] = {}
        for statement in (about, by):
            for entry in (await self.session.execute(statement)).scalars().all():
                entries[entry.id] = entry
        ordered = sorted(entries.values(), key=lambda entry: (entry.createdAt, entry.id), reverse=True)
        return ordered[:limit]
