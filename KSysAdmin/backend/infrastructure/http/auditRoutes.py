from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError

from KSysAdmin.backend.application.auditLogOutput import AuditLogPageOutput
from KSysAdmin.backend.application.listAuditLogs import ListAuditLogs
from KSysAdmin.backend.domain.exceptions.adminErrors import InvalidCursorError
from KSysAdmin.backend.domain.queries import AuditLogFilter
from KSysAdmin.backend.infrastructure.http.dependencies import AdminDep, AuditLogsDep
from KSysAdmin.backend.infrastructure.http.errorStatus import adminAnswers
from KSysAdmin.backend.infrastructure.http.queryTypes import TargetId, UtcTime
from shared.backend.dependenciesFirstRoute import DependenciesFirstRoute


def createAuditRoutes() -> APIRouter:
    router = APIRouter(prefix="/audit-logs", route_class=DependenciesFirstRoute)

    @router.get("", response_model=AuditLogPageOutput, responses=adminAnswers(InvalidCursorError))
    async def listAuditLogs(
        admin: AdminDep,
        auditLogs: AuditLogsDep,
        actorId: Annotated[uuid.UUID | None, Query()] = None,
        targetType: Annotated[str | None, Query(max_length=64)] = None,
        targetId: Annotated[TargetId | None, Query(max_length=128)] = None,
        action: Annotated[str | None, Query(max_length=128)] = None,
        since: Annotated[UtcTime | None, Query(alias="from")] = None,
        until: Annotated[UtcTime | None, Query(alias="to")] = None,
        cursor: Annotated[str | None, Query(max_length=1024)] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> AuditLogPageOutput:
        # The target index leads with target_type: a target id alone would scan the whole log backwards.
        if targetId is not None and targetType is None:
            message = "targetType is required with targetId (for a user: targetType=user)"
            raise RequestValidationError([{"type": "missing", "loc": ("query", "targetType"), "input": None,
                                           "msg": message}])
        filter = AuditLogFilter(actorId=actorId, targetType=targetType, targetId=targetId, action=action,
                                since=since, until=until)
        return await ListAuditLogs(auditLogs).execute(filter, cursor, limit)

    return router
