from __future__ import annotations

from fastapi import APIRouter

from KSysAdmin.backend.application.loginAdmin import LoginAdmin
from KSysAdmin.backend.application.loginInput import LoginInput
from KSysAdmin.backend.application.tokenOutput import TokenOutput
from KSysAdmin.backend.domain.exceptions.adminErrors import InvalidCredentialsError, MfaEnrollmentRequiredError
from KSysAdmin.backend.infrastructure.http.dependencies import (
    AuditDep,
    ContextDep,
    RecoveryCodesDep,
    SessionDep,
    ToolsDep,
    UsersDep,
)
from KSysAdmin.backend.infrastructure.http.errorStatus import adminAnswers
from shared.backend.dependenciesFirstRoute import DependenciesFirstRoute
from shared.backend.security.lockoutPolicy import LockoutRule
from shared.backend.security.secondFactorErrors import InvalidMfaCodeError, MfaRequiredError


def createAuthRoutes() -> APIRouter:
    router = APIRouter(prefix="/auth", route_class=DependenciesFirstRoute)

    @router.post("/login", response_model=TokenOutput, responses=adminAnswers(
        InvalidCredentialsError, MfaRequiredError, InvalidMfaCodeError, MfaEnrollmentRequiredError))
    async def login(
        data: LoginInput, users: UsersDep, audit: AuditDep, session: SessionDep, tools: ToolsDep, context: ContextDep,
        recoveryCodes: RecoveryCodesDep,
    ) -> TokenOutput:
        useCase = LoginAdmin(
            users, audit, session, tools.hasher, tools.codec,
            tools.settings.jwt.adminAudience, tools.settings.jwt.adminAccessTtlSeconds,
            LockoutRule.of(tools.settings.auth),
            tools.cipher, recoveryCodes, tools.settings.auth.adminRequireMfa, tools.settings.crypto,
        )
        return await useCase.execute(data, context)

    return router
