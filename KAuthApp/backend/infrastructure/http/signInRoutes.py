from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Body, Request, Response, status

from KAuthApp.backend.application.acceptedOutput import AcceptedOutput
from KAuthApp.backend.application.emailInput import EmailInput
from KAuthApp.backend.application.logoutSession import ACTION as LOGOUT_ACTION
from KAuthApp.backend.application.logoutSession import LogoutSession
from KAuthApp.backend.application.refreshInput import RefreshInput
from KAuthApp.backend.application.refreshSession import ACTION as REFRESH_ACTION
from KAuthApp.backend.application.refreshSession import RefreshSession
from KAuthApp.backend.application.registerInput import RegisterInput
from KAuthApp.backend.application.registerUser import RegisterUser
from KAuthApp.backend.application.resendVerification import ACCEPTED as RESEND_ACCEPTED
from KAuthApp.backend.application.resendVerification import ResendVerification
from KAuthApp.backend.application.tokenInput import TokenInput
from KAuthApp.backend.application.tokenOutput import TokenOutput
from KAuthApp.backend.application.verifyEmail import VerifyEmail
from KAuthApp.backend.domain.exceptions.authErrors import (
    ForeignOriginError,
    InvalidRefreshTokenError,
    RefreshTokenReusedError,
    TokenInvalidOrUsedError,
    WeakPasswordError,
)
from KAuthApp.backend.infrastructure.http.afterResponse import runAfterResponse
from KAuthApp.backend.infrastructure.http.cookieOrigin import refuseForeignCookieCall
from KAuthApp.backend.infrastructure.http.dependencies import OptionalUserDep, PortsDep
from KAuthApp.backend.infrastructure.http.errorStatus import authAnswers
from KAuthApp.backend.infrastructure.http.refreshCookie import (
    clearRefreshCookie,
    refreshTokenFrom,
    setRefreshCookie,
)
from shared.backend.dependenciesFirstRoute import DependenciesFirstRoute
from shared.backend.security.currentUser import MissingTokenError, requireUser
from shared.backend.security.jwtCodec import InvalidTokenError
from shared.backend.security.sessionStore import SessionRevokedError

OptionalRefreshBody = Annotated[RefreshInput | None, Body()]
# Logout takes a bearer token, a refresh token, or both: the bearer is optional in its document.
OPTIONAL_BEARER: dict[str, object] = {"security": [{}, {"HTTPBearer": []}]}


def createSignInRouter() -> APIRouter:
    router = APIRouter(route_class=DependenciesFirstRoute)

    @router.post("/register", status_code=status.HTTP_202_ACCEPTED, responses=authAnswers(WeakPasswordError))
    async def register(data: RegisterInput, ports: PortsDep) -> AcceptedOutput:
        return await RegisterUser(ports).execute(data)

    @router.post("/verify-email", responses=authAnswers(TokenInvalidOrUsedError))
    async def verifyEmail(data: TokenInput, ports: PortsDep) -> AcceptedOutput:
        return await VerifyEmail(ports).execute(data)

    # The same 202 for every address, at once: the work for a pending account runs after the answer.
    @router.post("/verify-email/resend", status_code=status.HTTP_202_ACCEPTED)
    async def resendVerification(data: EmailInput, request: Request, background: BackgroundTasks) -> AcceptedOutput:
        runAfterResponse(request, background, lambda ports: ResendVerification(ports).execute(data))
        return RESEND_ACCEPTED

    @router.post("/refresh", responses=authAnswers(
        InvalidRefreshTokenError, RefreshTokenReusedError, SessionRevokedError, ForeignOriginError))
    async def refresh(
        request: Request, ports: PortsDep, response: Response, data: OptionalRefreshBody = None
    ) -> TokenOutput:
        bodyToken = data.refreshToken if data else None
        token = refreshTokenFrom(request, bodyToken)
        if token is not None and not bodyToken:
            await refuseForeignCookieCall(request, ports, REFRESH_ACTION, token)
        issued = await RefreshSession(ports).execute(token)
        setRefreshCookie(response, ports.settings, issued.tokens.refreshToken, issued.cookieMaxAge)
        return issued.tokens

    @router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, openapi_extra=OPTIONAL_BEARER,
                 responses=authAnswers(MissingTokenError, InvalidTokenError, SessionRevokedError,
                                       InvalidRefreshTokenError, ForeignOriginError))
    async def logout(
        request: Request, ports: PortsDep, user: OptionalUserDep, response: Response,
        data: OptionalRefreshBody = None,
    ) -> None:
        bodyToken = data.refreshToken if data else None
        token = refreshTokenFrom(request, bodyToken)
        if token is None and user is None:
            # Nothing names a session: the bearer's own error (invalid_token, session_revoked), or none sent.
            user = await requireUser(request)
        if token is not None and not bodyToken:
            await refuseForeignCookieCall(request, ports, LOGOUT_ACTION, token)
        await LogoutSession(ports).execute(token, user.sessionId if user else None, user.userId if user else None)
        clearRefreshCookie(response, ports.settings)

    return router
