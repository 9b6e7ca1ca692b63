from __future__ import annotations

import uuid

from fastapi import APIRouter, BackgroundTasks, Request, Response

from KAuthApp.backend.application.loginInput import LoginInput
from KAuthApp.backend.application.loginUser import LoginUser
from KAuthApp.backend.application.replacedSession import EndReplacedSession
from KAuthApp.backend.application.sessionIssuer import IssuedSession
from KAuthApp.backend.application.tokenOutput import TokenOutput
from KAuthApp.backend.domain.exceptions.authErrors import (
    AccountDisabledError,
    AccountLockedError,
    EmailNotVerifiedError,
    InvalidCredentialsError,
    InvalidMfaCodeError,
    MfaRequiredError,
)
from KAuthApp.backend.infrastructure.http.afterResponse import runAfterResponse
from KAuthApp.backend.infrastructure.http.dependencies import buildAuthPorts
from KAuthApp.backend.infrastructure.http.errorStatus import authAnswers
from KAuthApp.backend.infrastructure.http.refreshCookie import REFRESH_COOKIE, setRefreshCookie
from shared.backend.database.engine import requestSession
from shared.backend.jsonBody import jsonBodyDoc, readJsonBody
from shared.backend.security.sessionStore import SessionRevokedError


def createLoginRouter() -> APIRouter:
    router = APIRouter()

    # The login reads its own body and wires its own ports: no FastAPI body parsing, dependency solving or
    # response validation, ~0.3 ms of a login's CPU (docs/decisions.md, "The login route...").
    @router.post("/login", response_model=TokenOutput, openapi_extra=jsonBodyDoc(LoginInput), responses=authAnswers(
        InvalidCredentialsError, MfaRequiredError, InvalidMfaCodeError, EmailNotVerifiedError, AccountDisabledError,
        AccountLockedError, SessionRevokedError))
    async def login(request: Request) -> Response:
        data = await readJsonBody(request, LoginInput)
        background = BackgroundTasks()
        async with requestSession(request.app.state.database) as session:
            ports = buildAuthPorts(request, background, session)
            issued = await LoginUser(ports).execute(data)
        response = Response(issued.tokens.model_dump_json(by_alias=True), media_type="application/json",
                            background=background)
        setRefreshCookie(response, ports.settings, issued.tokens.refreshToken, issued.cookieMaxAge)
        replaced = request.cookies.get(REFRESH_COOKIE)
        if replaced:
            endReplacedSession(request, background, replaced, issued)
        return response

    return router


# The session of the cookie this sign-in replaces ends once the answer is out, in a transaction of its own; a failure
# is logged (after_response_failed) and the sign-in stands. Unlike refresh and logout (cookieOrigin.py) the origin is
# not checked here: a login's body must be JSON (anything else is 415 before any work), which another origin's page
# can only send after a CORS preflight, and that passes only for the CORS list, origins the cookie check accepts too.
def endReplacedSession(request: Request, background: BackgroundTasks, token: str, issued: IssuedSession) -> None:
    userId = uuid.UUID(issued.claims.subject)
    runAfterResponse(request, background, lambda ports: EndReplacedSession(ports).execute(token, userId))
