from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from KSysAdmin.backend.application.changeUserStatus import ChangeUserStatus
from KSysAdmin.backend.application.getUserDetail import GetUserDetail
from KSysAdmin.backend.application.listUsers import ListUsers
from KSysAdmin.backend.application.resetUserMfa import ResetUserMfa
from KSysAdmin.backend.application.revokeUserSessions import RevokeUserSessions
from KSysAdmin.backend.application.rolesInput import RolesInput
from KSysAdmin.backend.application.sessionRevoker import SessionKeysNotRemovedError
from KSysAdmin.backend.application.setUserRoles import SetUserRoles
from KSysAdmin.backend.application.userOutput import (
    RevokeSessionsOutput,
    UserDetailOutput,
    UserOutput,
    UserPageOutput,
)
from KSysAdmin.backend.domain.exceptions.adminErrors import (
    AccountDeletedError,
    InvalidCursorError,
    InvalidStatusTransitionError,
    LastSuperadminError,
    MfaNotEnabledError,
    SelfActionError,
    UserNotFoundError,
)
from KSysAdmin.backend.domain.queries import UserFilter, UserSort
from KSysAdmin.backend.domain.userStatusPolicy import StatusAction
from KSysAdmin.backend.infrastructure.http.dependencies import (
    AdminDep,
    AuditDep,
    AuditLogsDep,
    ContextDep,
    RevokerDep,
    SessionDep,
    SuperadminDep,
    UsersDep,
)
from KSysAdmin.backend.infrastructure.http.errorStatus import adminAnswers
from KSysAdmin.backend.infrastructure.http.queryTypes import EmailPrefix
from shared.backend.dependenciesFirstRoute import DependenciesFirstRoute

StatusName = Literal["pending_verification", "active", "locked", "disabled", "deleted"]
RoleFilter = Literal["user", "admin", "superadmin"]
SortName = Literal["-createdAt", "createdAt", "email", "-email"]
StatusHandler = Callable[[uuid.UUID, AdminDep, UsersDep, AuditDep, SessionDep, RevokerDep, ContextDep],
                         Awaitable[UserOutput]]


def statusHandler(action: StatusAction) -> StatusHandler:
    async def handler(
        userId: uuid.UUID, admin: AdminDep, users: UsersDep, audit: AuditDep, session: SessionDep,
        revoker: RevokerDep, context: ContextDep,
    ) -> UserOutput:
        return await ChangeUserStatus(users, audit, session, revoker).execute(admin, userId, action, context)

    handler.__name__ = f"{action.value}User"
    return handler


def createUserRoutes() -> APIRouter:
    router = APIRouter(prefix="/users", route_class=DependenciesFirstRoute)

    @router.get("", response_model=UserPageOutput, responses=adminAnswers(InvalidCursorError))
    async def listUsers(
        admin: AdminDep,
        users: UsersDep,
        emailPrefix: Annotated[EmailPrefix | None, Query(min_length=1, max_length=320)] = None,
        status: Annotated[StatusName | None, Query()] = None,
        role: Annotated[RoleFilter | None, Query()] = None,
        includeDeleted: Annotated[bool, Query()] = False,
        sort: Annotated[SortName, Query()] = "-createdAt",
        cursor: Annotated[str | None, Query(max_length=1024)] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> UserPageOutput:
        filter = UserFilter(emailPrefix=emailPrefix, status=status, role=role, includeDeleted=includeDeleted)
        return await ListUsers(users).execute(filter, UserSort(sort), cursor, limit)

    @router.get("/{userId}", response_model=UserDetailOutput, responses=adminAnswers(UserNotFoundError))
    async def getUser(userId: uuid.UUID, admin: AdminDep, users: UsersDep, auditLogs: AuditLogsDep) -> UserDetailOutput:
        return await GetUserDetail(users, auditLogs).execute(userId)

    for action in StatusAction:
        router.add_api_route(f"/{{userId}}/{action.value}", statusHandler(action), methods=["POST"],
                             response_model=UserOutput, responses=adminAnswers(
                                 UserNotFoundError, AccountDeletedError, InvalidStatusTransitionError, SelfActionError,
                                 LastSuperadminError, SessionKeysNotRemovedError))

    @router.post("/{userId}/sessions/revoke", response_model=RevokeSessionsOutput,
                 responses=adminAnswers(UserNotFoundError, AccountDeletedError, SessionKeysNotRemovedError))
    async def revokeSessions(
        userId: uuid.UUID, admin: AdminDep, users: UsersDep, audit: AuditDep, session: SessionDep,
        revoker: RevokerDep, context: ContextDep,
    ) -> RevokeSessionsOutput:
        return await RevokeUserSessions(users, audit, session, revoker).execute(admin, userId, context)

    @router.post("/{userId}/mfa/reset", response_model=UserOutput, responses=adminAnswers(
        UserNotFoundError, AccountDeletedError, MfaNotEnabledError, SelfActionError, SessionKeysNotRemovedError))
    async def resetMfa(
        userId: uuid.UUID, admin: AdminDep, users: UsersDep, audit: AuditDep, session: SessionDep,
        revoker: RevokerDep, context: ContextDep,
    ) -> UserOutput:
        return await ResetUserMfa(users, audit, session, revoker).execute(admin, userId, context)

    @router.put("/{userId}/roles", response_model=UserOutput,
                responses=adminAnswers(UserNotFoundError, AccountDeletedError, LastSuperadminError))
    async def setRoles(
        userId: uuid.UUID, data: RolesInput, admin: SuperadminDep, users: UsersDep, audit: AuditDep,
        session: SessionDep, context: ContextDep,
    ) -> UserOutput:
        return await SetUserRoles(users, audit, session).execute(admin, userId, data, context)

    return router
