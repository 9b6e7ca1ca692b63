from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from KSysAdmin.backend.application.auditTrail import AuditTrail
from KSysAdmin.backend.domain.adminPrincipal import AdminPrincipal
from KSysAdmin.backend.domain.models.auditLog import AuditOutcome
from KSysAdmin.backend.infrastructure.database.auditLogRepository import AuditLogRepository
from KSysAdmin.backend.infrastructure.http.dependencies import (
    PRINCIPAL_STATE,
    requestContext,
    routeName,
    routeTarget,
)
from shared.backend.exceptions.handlers import validationAnswer, validationDetails, validationResponse

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# A change an authorized admin sent malformed (or not as JSON) is refused by validation before any use case runs:
# it is audited here as failed under the answer's code, naming the fields (never their values) and the target the
# path names, like the use cases' own refusals.
def installValidationAudit(app: FastAPI) -> None:
    async def onValidationError(request: Request, error: RequestValidationError) -> JSONResponse:
        details = validationDetails(error)
        code = validationAnswer(details)[1]
        principal: AdminPrincipal | None = getattr(request.state, PRINCIPAL_STATE, None)
        if principal is not None and request.method not in READ_METHODS:
            targetType, targetId = routeTarget(request) or (None, None)
            async with request.app.state.database.sessionFactory() as session:
                audit = AuditTrail(AuditLogRepository(session), session)
                await audit.record(await requestContext(request), principal, routeName(request),
                                   AuditOutcome.FAILURE, targetType, targetId,
                                   {"code": code, "fields": [item["field"] for item in details]})
                await session.commit()
        return validationResponse(request, details)

    app.add_exception_handler(RequestValidationError, onValidationError)
