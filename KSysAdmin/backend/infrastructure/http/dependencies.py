from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from KSysAdmin.backend.application.auditTrail import AuditTrail
from KSysAdmin.backend.application.authorizeAdmin import AuthorizeAdmin
from KSysAdmin.backend.application.sessionRevoker import SessionRevoker
from KSysAdmin.backend.domain.adminPrincipal import AdminPrincipal, RequestContext
from KSysAdmin.backend.domain.exceptions.adminErrors import (
    AdminAccessRevokedError,
    InsufficientRoleError,
    MissingTokenError,
)
from KSysAdmin.backend.domain.settingsDocuments import SettingName
from KSysAdmin.backend.infrastructure.database.auditLogRepository import AuditLogRepository
from KSysAdmin.backend.infrastructure.database.paymentRepository import PaymentRepository
from KSysAdmin.backend.infrastructure.database.recoveryCodeRepository import RecoveryCodeRepository
from KSysAdmin.backend.infrastructure.database.settingsRepository import SettingsRepository
from KSysAdmin.backend.infrastructure.database.statsRepository import StatsRepository
from KSysAdmin.backend.infrastructure.database.userRepository import UserRepository
from KSysAdmin.backend.infrastructure.http.adminTools import AdminTools, getAdminTools
from KSysAdmin.backend.infrastructure.redis.sessionKeyStore import RedisSessionKeyStore
from KSysAdmin.backend.infrastructure.redis.settingsPublisher import RedisSettingsPublisher
from shared.backend.database.engine import getDb
from shared.backend.openapiDocs import raisesErrors
from shared.backend.redis.client import getRedis
from shared.backend.security.jwtCodec import InvalidTokenError

bearer = HTTPBearer(auto_error=False)
AUTHORIZATION_ERRORS = (MissingTokenError, InvalidTokenError, AdminAccessRevokedError, InsufficientRoleError)
PRINCIPAL_STATE = "adminPrincipal"
# What a route acts on, named as the action's audit entries name it: an id path parameter, or a setting's path.
ID_TARGETS = {"userId": "user", "paymentId": "payment"}
SETTING_TARGETS = {f"/api/admin/settings/{name.value}": name.value for name in SettingName}

SessionDep = Annotated[AsyncSession, Depends(getDb)]
RedisDep = Annotated[Redis, Depends(getRedis)]
ToolsDep = Annotated[AdminTools, Depends(getAdminTools)]
CredentialsDep = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


# Dependencies are async: FastAPI runs a sync dependency in its thread pool, a hop per request.
async def requestContext(request: Request) -> RequestContext:
    client = request.client
    return RequestContext(requestId=getattr(request.state, "requestId", None), ip=client.host if client else None)


ContextDep = Annotated[RequestContext, Depends(requestContext)]


async def userRepository(session: SessionDep) -> UserRepository:
    return UserRepository(session)


async def auditLogRepository(session: SessionDep) -> AuditLogRepository:
    return AuditLogRepository(session)


async def paymentRepository(session: SessionDep) -> PaymentRepository:
    return PaymentRepository(session)


async def recoveryCodeRepository(session: SessionDep) -> RecoveryCodeRepository:
    return RecoveryCodeRepository(session)


async def settingsRepository(session: SessionDep) -> SettingsRepository:
    return SettingsRepository(session)


async def statsRepository(session: SessionDep) -> StatsRepository:
    return StatsRepository(session)


UsersDep = Annotated[UserRepository, Depends(userRepository)]
AuditLogsDep = Annotated[AuditLogRepository, Depends(auditLogRepository)]
PaymentsDep = Annotated[PaymentRepository, Depends(paymentRepository)]
RecoveryCodesDep = Annotated[RecoveryCodeRepository, Depends(recoveryCodeRepository)]
SettingsRepoDep = Annotated[SettingsRepository, Depends(settingsRepository)]
StatsDep = Annotated[StatsRepository, Depends(statsRepository)]


async def auditTrail(auditLogs: AuditLogsDep, session: SessionDep) -> AuditTrail:
    return AuditTrail(auditLogs, session)


AuditDep = Annotated[AuditTrail, Depends(auditTrail)]


async def sessionRevoker(users: UsersDep, redis: RedisDep, tools: ToolsDep) -> SessionRevoker:
    return SessionRevoker(users, RedisSessionKeyStore(redis, tools.settings.jwt.accessTtlSeconds))


async def settingsPublisher(redis: RedisDep) -> RedisSettingsPublisher:
    return RedisSettingsPublisher(redis)


RevokerDep = Annotated[SessionRevoker, Depends(sessionRevoker)]
PublisherDep = Annotated[RedisSettingsPublisher, Depends(settingsPublisher)]


def routeName(request: Request) -> str:
    route = request.scope.get("route")
    return f"{request.method} {getattr(route, 'path', request.url.path)}"


# Read before the path is validated (dependencies run first): a malformed id names no target.
def routeTarget(request: Request) -> tuple[str, str] | None:
    for parameter, targetType in ID_TARGETS.items():
        if parameter in request.path_params:
            try:
                return targetType, str(uuid.UUID(request.path_params[parameter]))
            except ValueError:
                return None
    setting = SETTING_TARGETS.get(request.url.path)
    return ("setting", setting) if setting is not None else None


async def authorize(
    request: Request,
    credentials: CredentialsDep,
    users: UsersDep,
    audit: AuditDep,
    tools: ToolsDep,
    context: ContextDep,
    requireSuperadmin: bool,
) -> AdminPrincipal:
    useCase = AuthorizeAdmin(users, audit, tools.codec, tools.settings.jwt.adminAudience,
                             tools.settings.auth.adminRequireMfa)
    token = credentials.credentials if credentials is not None else None
    principal = await useCase.execute(token, context, requireSuperadmin, routeName(request), routeTarget(request))
    # For the audit of a request that then fails validation (validationAudit.py).
    setattr(request.state, PRINCIPAL_STATE, principal)
    return principal


@raisesErrors(*AUTHORIZATION_ERRORS)
async def currentAdmin(
    request: Request, credentials: CredentialsDep, users: UsersDep, audit: AuditDep, tools: ToolsDep,
    context: ContextDep,
) -> AdminPrincipal:
    return await authorize(request, credentials, users, audit, tools, context, requireSuperadmin=False)


@raisesErrors(*AUTHORIZATION_ERRORS)
async def currentSuperadmin(
    request: Request, credentials: CredentialsDep, users: UsersDep, audit: AuditDep, tools: ToolsDep,
    context: ContextDep,
) -> AdminPrincipal:
    return await authorize(request, credentials, users, audit, tools, context, requireSuperadmin=True)


AdminDep = Annotated[AdminPrincipal, Depends(currentAdmin)]
SuperadminDep = Annotated[AdminPrincipal, Depends(currentSuperadmin)]
