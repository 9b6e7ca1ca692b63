from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError

from KSysAdmin.backend.application.flagResolutionInput import FlagResolutionInput
from KSysAdmin.backend.application.getPaymentDetail import GetPaymentDetail
from KSysAdmin.backend.application.listPayments import ListPayments
from KSysAdmin.backend.application.paymentOutput import PaymentDetailOutput, PaymentPageOutput
from KSysAdmin.backend.application.resolvePaymentFlag import ResolvePaymentFlag
from KSysAdmin.backend.domain.exceptions.adminErrors import (
    FlagNotOpenError,
    InvalidCursorError,
    OwnPaymentFlagError,
    PaymentChangedError,
    PaymentNotFoundError,
)
from KSysAdmin.backend.domain.queries import PaymentFilter
from KSysAdmin.backend.infrastructure.http.dependencies import (
    AdminDep,
    AuditDep,
    ContextDep,
    PaymentsDep,
    SessionDep,
    UsersDep,
)
from KSysAdmin.backend.infrastructure.http.errorStatus import adminAnswers
from KSysAdmin.backend.infrastructure.http.queryTypes import UtcTime
from shared.backend.dependenciesFirstRoute import DependenciesFirstRoute

PaymentStatusName = Literal["pending", "paid", "expired", "cancelled", "failed"]
PaymentMethodName = Literal["briva", "qris"]


def createPaymentRoutes() -> APIRouter:
    router = APIRouter(prefix="/payments", route_class=DependenciesFirstRoute)

    @router.get("", response_model=PaymentPageOutput, responses=adminAnswers(InvalidCursorError))
    async def listPayments(
        admin: AdminDep,
        payments: PaymentsDep,
        status: Annotated[PaymentStatusName | None, Query()] = None,
        method: Annotated[PaymentMethodName | None, Query()] = None,
        userId: Annotated[uuid.UUID | None, Query()] = None,
        since: Annotated[UtcTime | None, Query(alias="from")] = None,
        until: Annotated[UtcTime | None, Query(alias="to")] = None,
        flagged: Annotated[bool | None, Query()] = None,
        flagResolved: Annotated[bool | None, Query()] = None,
        cursor: Annotated[str | None, Query(max_length=1024)] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> PaymentPageOutput:
        # Resolved or open, a flag is still a flag: only unflagged payments have neither.
        if flagResolved is not None and flagged is False:
            message = "flagResolved needs flagged=true or no flagged"
            raise RequestValidationError([{"type": "value_error", "loc": ("query", "flagResolved"),
                                           "input": flagResolved, "msg": message}])
        filter = PaymentFilter(status=status, method=method, userId=userId, since=since, until=until,
                               flagged=True if flagResolved is not None else flagged, flagResolved=flagResolved)
        return await ListPayments(payments).execute(filter, cursor, limit)

    @router.get("/{paymentId}", response_model=PaymentDetailOutput, responses=adminAnswers(PaymentNotFoundError))
    async def getPayment(paymentId: uuid.UUID, admin: AdminDep, payments: PaymentsDep) -> PaymentDetailOutput:
        return await GetPaymentDetail(payments).execute(paymentId)

    @router.post("/{paymentId}/flag/resolve", response_model=PaymentDetailOutput, responses=adminAnswers(
        PaymentNotFoundError, FlagNotOpenError, OwnPaymentFlagError, PaymentChangedError))
    async def resolveFlag(
        paymentId: uuid.UUID, data: FlagResolutionInput, admin: AdminDep, payments: PaymentsDep, users: UsersDep,
        audit: AuditDep, session: SessionDep, context: ContextDep,
    ) -> PaymentDetailOutput:
        return await ResolvePaymentFlag(payments, users, audit, session).execute(admin, paymentId, data, context)

    return router
