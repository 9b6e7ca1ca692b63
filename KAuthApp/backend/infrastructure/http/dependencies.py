from __future__ import annotations

from typing import Annotated

from fastapi import BackgroundTasks, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from KAuthApp.backend.application.auditTrail import AuditTrail
from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.application.getProfile import GetProfile
from KAuthApp.backend.application.requestContext import RequestContext
from KAuthApp.backend.infrastructure.database.auditLogRepository import AuditLogRepository
from KAuthApp.backend.infrastructure.database.loginRecords import LoginRecords
from KAuthApp.backend.infrastructure.database.oneTimeTokenRepository import OneTimeTokenRepository
from KAuthApp.backend.infrastructure.database.profileQuery import ProfileQuery
from KAuthApp.backend.infrastructure.database.recoveryCodeRepository import RecoveryCodeRepository
from KAuthApp.backend.infrastructure.database.sessionRepository import SessionRepository
from KAuthApp.backend.infrastructure.database.sqlTransaction import SqlTransaction
from KAuthApp.backend.infrastructure.database.userRepository import UserRepository
from KAuthApp.backend.infrastructure.mail.mailerFactory import DeferredMailer
from KAuthApp.backend.infrastructure.redis.sessionCache import createSessionCache
from shared.backend.database.engine import getDb
from shared.backend.exceptions.domainError import UnauthenticatedError
from shared.backend.security.currentUser import CurrentUser, requireUser

USER_AGENT_MAX = 512


def requestContext(request: Request) -> RequestContext:
    userAgent = request.headers.get("user-agent")
    return RequestContext(
        ip=request.client.host if request.client else None,
        requestId=getattr(request.state, "requestId", None),
        userAgent=userAgent[:USER_AGENT_MAX] if userAgent else None,
    )


def buildAuthPorts(request: Request, background: BackgroundTasks, session: AsyncSession) -> AuthPorts:
    state = request.app.state
    return AuthPorts(
        users=UserRepository(session),
        logins=LoginRecords(state.database.driverPool),
        sessions=SessionRepository(session),
        tokens=OneTimeTokenRepository(session),
        recoveryCodes=RecoveryCodeRepository(session),
        audit=AuditTrail(AuditLogRepository(session), requestContext(request)),
        transaction=SqlTransaction(session),
        sessionCache=createSessionCache(state.redis),
        mailer=DeferredMailer(state.kauthMailer, background),
        cipher=state.crypto,
        hasher=state.kauthHasher,
        codec=state.jwtCodec,
        settings=state.settings,
    )


async def getAuthPorts(
    request: Request, background: BackgroundTasks, session: Annotated[AsyncSession, Depends(getDb)]
) -> AuthPorts:
    return buildAuthPorts(request, background, session)


# GET me needs neither an ORM session nor the other ports: two small objects over app-wide resources.
async def getProfileUseCase(request: Request) -> GetProfile:
    state = request.app.state
    return GetProfile(ProfileQuery(state.database.driverPool), state.crypto)


# Logout also works with an expired or revoked access token as long as a refresh token names the session.
async def optionalUser(request: Request) -> CurrentUser | None:
    if not request.headers.get("authorization"):
        return None
    try:
        return await requireUser(request)
    except UnauthenticatedError:
        return None


PortsDep = Annotated[AuthPorts, Depends(getAuthPorts)]
GetProfileDep = Annotated[GetProfile, Depends(getProfileUseCase)]
OptionalUserDep = Annotated[CurrentUser | None, Depends(optionalUser)]
