from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Request, Response, status
from pydantic_core import to_json
from sqlalchemy.ext.asyncio import AsyncSession

from KAuthApp.backend.application.acceptedOutput import AcceptedOutput
from KAuthApp.backend.application.accountExportOutput import AccountExportOutput
from KAuthApp.backend.application.changePassword import ChangePassword
from KAuthApp.backend.application.changePasswordInput import ChangePasswordInput
from KAuthApp.backend.application.deleteAccount import DeleteAccount
from KAuthApp.backend.application.deleteAccountInput import DeleteAccountInput
from KAuthApp.backend.application.emailInput import EmailInput
from KAuthApp.backend.application.exportAccount import ExportAccount
from KAuthApp.backend.application.forgotPassword import ACCEPTED as FORGOT_ACCEPTED
from KAuthApp.backend.application.forgotPassword import ForgotPassword
from KAuthApp.backend.application.listSessions import ListSessions
from KAuthApp.backend.application.logoutAll import LogoutAll
from KAuthApp.backend.application.profileInput import ProfileInput
from KAuthApp.backend.application.profileOutput import ProfileOutput
from KAuthApp.backend.application.resetPassword import ResetPassword
from KAuthApp.backend.application.resetPasswordInput import ResetPasswordInput
from KAuthApp.backend.application.revokeSession import RevokeSession
from KAuthApp.backend.application.sessionOutput import SessionListOutput
from KAuthApp.backend.application.updateProfile import UpdateProfile
from KAuthApp.backend.domain.exceptions.authErrors import (
    AccountLockedError,
    AdminAccountError,
    InvalidMfaCodeError,
    PaymentsPendingError,
    PaymentsUnsettledError,
    SessionNotFoundError,
    TokenInvalidOrUsedError,
    UserNotFoundError,
    WeakPasswordError,
    WrongPasswordError,
)
from KAuthApp.backend.infrastructure.database.accountErasure import AccountErasure
from KAuthApp.backend.infrastructure.database.accountExportQuery import AccountExportQuery
from KAuthApp.backend.infrastructure.http.afterResponse import runAfterResponse
from KAuthApp.backend.infrastructure.http.dependencies import GetProfileDep, PortsDep
from KAuthApp.backend.infrastructure.http.errorStatus import authAnswers
from KAuthApp.backend.infrastructure.http.refreshCookie import clearRefreshCookie
from shared.backend.database.engine import getDb
from shared.backend.dependenciesFirstRoute import DependenciesFirstRoute
from shared.backend.security.currentUser import CurrentUserDep


# On the request's session (FastAPI solves getDb once per request): the deletion's rows join its ports' transaction.
async def getAccountErasure(session: Annotated[AsyncSession, Depends(getDb)]) -> AccountErasure:
    return AccountErasure(session)


AccountErasureDep = Annotated[AccountErasure, Depends(getAccountErasure)]


async def getAccountExport(request: Request) -> AccountExportQuery:
    return AccountExportQuery(request.app.state.database.driverPool)


AccountExportDep = Annotated[AccountExportQuery, Depends(getAccountExport)]


def createAccountRouter() -> APIRouter:
    router = APIRouter(route_class=DependenciesFirstRoute)

    @router.get("/me", responses=authAnswers(UserNotFoundError))
    async def readMe(user: CurrentUserDep, getProfile: GetProfileDep) -> ProfileOutput:
        return await getProfile.execute(user.userId)

    @router.patch("/me", responses=authAnswers(UserNotFoundError))
    async def updateMe(data: ProfileInput, user: CurrentUserDep, ports: PortsDep) -> ProfileOutput:
        return await UpdateProfile(ports).execute(user.userId, user.sessionId, data)

    # The user's data as a JSON file (docs/auth.md, "Data export"); audited as auth.data_exported. Serialized as built
    # (pydantic_core.to_json), not validated into AccountExportOutput, which documents it.
    @router.get("/me/export", response_model=AccountExportOutput, responses=authAnswers(UserNotFoundError))
    async def exportMe(user: CurrentUserDep, ports: PortsDep, getProfile: GetProfileDep,
                       export: AccountExportDep) -> Response:
        exported = await ExportAccount(getProfile, export, ports.audit, ports.transaction).execute(user.userId)
        return Response(to_json(exported.document), media_type="application/json",
                        headers={"Content-Disposition": f'attachment; filename="{exported.fileName}"'})

    # Pseudonymizes the account (docs/decisions.md): every session ends and the refresh cookie is cleared.
    @router.post("/me/delete", status_code=status.HTTP_204_NO_CONTENT, responses=authAnswers(
        WrongPasswordError, AccountLockedError, InvalidMfaCodeError, PaymentsPendingError, PaymentsUnsettledError,
        AdminAccountError))
    async def deleteMe(data: DeleteAccountInput, user: CurrentUserDep, ports: PortsDep, erasure: AccountErasureDep,
                       response: Response) -> None:
        await DeleteAccount(ports, erasure).execute(user.userId, user.sessionId, data)
        clearRefreshCookie(response, ports.settings)

    @router.post("/password/change", status_code=status.HTTP_204_NO_CONTENT,
                 responses=authAnswers(WrongPasswordError, WeakPasswordError, AccountLockedError))
    async def changePassword(data: ChangePasswordInput, user: CurrentUserDep, ports: PortsDep) -> None:
        await ChangePassword(ports).execute(user.userId, user.sessionId, data)

    # Always 202 with the same body, at once: the work for a known address runs after the answer.
    @router.post("/password/forgot", status_code=status.HTTP_202_ACCEPTED)
    async def forgotPassword(data: EmailInput, request: Request, background: BackgroundTasks) -> AcceptedOutput:
        runAfterResponse(request, background, lambda ports: ForgotPassword(ports).execute(data))
        return FORGOT_ACCEPTED

    @router.post("/password/reset", status_code=status.HTTP_204_NO_CONTENT,
                 responses=authAnswers(TokenInvalidOrUsedError, WeakPasswordError))
    async def resetPassword(data: ResetPasswordInput, ports: PortsDep) -> None:
        await ResetPassword(ports).execute(data)

    @router.get("/sessions")
    async def listSessions(user: CurrentUserDep, ports: PortsDep) -> SessionListOutput:
        return await ListSessions(ports).execute(user.userId, user.sessionId)

    @router.delete("/sessions/{sessionId}", status_code=status.HTTP_204_NO_CONTENT,
                   responses=authAnswers(SessionNotFoundError))
    async def revokeSession(sessionId: uuid.UUID, user: CurrentUserDep, ports: PortsDep) -> None:
        await RevokeSession(ports).execute(user.userId, sessionId)

    @router.post("/logout-all", status_code=status.HTTP_204_NO_CONTENT)
    async def logoutAll(user: CurrentUserDep, ports: PortsDep, response: Response) -> None:
        await LogoutAll(ports).execute(user.userId, user.sessionId)
        clearRefreshCookie(response, ports.settings)

    return router
