from __future__ import annotations

from fastapi import APIRouter, status

from KAuthApp.backend.application.disableTotp import DisableTotp
from KAuthApp.backend.application.enableTotp import EnableTotp
from KAuthApp.backend.application.setupTotp import SetupTotp
from KAuthApp.backend.application.totpInputs import TotpCodeInput, TotpDisableInput, TotpSetupInput
from KAuthApp.backend.application.totpOutputs import RecoveryCodesOutput, TotpSetupOutput
from KAuthApp.backend.domain.exceptions.authErrors import (
    AccountLockedError,
    InvalidMfaCodeError,
    MfaAlreadyEnabledError,
    MfaNotEnabledError,
    MfaNotSetUpError,
    WrongPasswordError,
)
from KAuthApp.backend.infrastructure.http.dependencies import PortsDep
from KAuthApp.backend.infrastructure.http.errorStatus import authAnswers
from shared.backend.dependenciesFirstRoute import DependenciesFirstRoute
from shared.backend.security.currentUser import CurrentUserDep


def createMfaRouter() -> APIRouter:
    router = APIRouter(prefix="/mfa/totp", route_class=DependenciesFirstRoute)

    @router.post("/setup", responses=authAnswers(WrongPasswordError, AccountLockedError, MfaAlreadyEnabledError))
    async def setup(data: TotpSetupInput, user: CurrentUserDep, ports: PortsDep) -> TotpSetupOutput:
        return await SetupTotp(ports).execute(user.userId, user.sessionId, data)

    @router.post("/enable", responses=authAnswers(
        MfaAlreadyEnabledError, MfaNotSetUpError, InvalidMfaCodeError, AccountLockedError))
    async def enable(data: TotpCodeInput, user: CurrentUserDep, ports: PortsDep) -> RecoveryCodesOutput:
        return await EnableTotp(ports).execute(user.userId, user.sessionId, data)

    @router.post("/disable", status_code=status.HTTP_204_NO_CONTENT, responses=authAnswers(
        WrongPasswordError, AccountLockedError, MfaNotEnabledError, InvalidMfaCodeError))
    async def disable(data: TotpDisableInput, user: CurrentUserDep, ports: PortsDep) -> None:
        await DisableTotp(ports).execute(user.userId, user.sessionId, data)

    return router
