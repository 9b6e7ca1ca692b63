from __future__ import annotations

import re
from collections.abc import Mapping

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
# What the audit stores for a key the client chose: the input models forbid a key they do not have, and validation
# names that key itself as the field.
UNEXPECTED_FIELD = "(unexpected field)"
# A step of a field's path stored as it is: a field's name or a list index.
PLAIN_STEP = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}|[0-9]{1,9}")


# The failing field as the answer names it, with an unexpected key and any step that is not a plain name or index
# replaced by the marker: the entry carries no value, and nothing jsonb refuses (\u0000, a lone surrogate).
def auditedField(item: Mapping[str, object]) -> str:
    loc = item.get("loc", ())
    location = [str(step) for step in loc] if isinstance(loc, tuple | list) else []
    if item.get("type") == "extra_forbidden" and len(location) > 1:
        location[-1] = UNEXPECTED_FIELD
    steps = [step if step == UNEXPECTED_FIELD or PLAIN_STEP.fullmatch(step) else UNEXPECTED_FIELD
             for step in location]
    return ".".join(steps[1:]) if len(steps) > 1 else ".".join(steps)


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
                                   {"code": code, "fields": [auditedField(item) for item in error.errors()]})
                await session.commit()
        return validationResponse(request, details)

    app.add_exception_handler(RequestValidationError, onValidationError)
