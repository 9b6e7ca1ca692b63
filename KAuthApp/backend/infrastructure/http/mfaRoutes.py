from __future__ import annotations

from fastapi import APIRouter, status

from KAuthApp.backend.application.disableTotp import DisableTotp
from KAuthApp.backend.application.enableTotp import EnableTotp
from KAuthApp.backend.application.setupTotp import SetupTotp
from KAuthApp.backend.application.totpInputs import TotpCodeInput, TotpDisableInput, TotpSetupInput
from KAuthApp.backend.application.totpOutputs import RecoveryCodesOutput, TotpSetupOutput
from KAuthApp.backend.infrastructure.http.dependencies import PortsDep
from shared.backend.dependenciesFirstRoute import DependenciesFirstRoute
from shared.backend.security.currentUser import CurrentUserDep


def createMfaRouter() -> APIRouter:
    router = APIRouter(prefix="/mfa/totp", route_class=DependenciesFirstRoute)

    @router.post("/setup")
    async def setup(data: TotpSetupInput, user: CurrentUserDep, ports: PortsDep) -> TotpSetupOutput:
        return await SetupTotp(ports).execute(user.userId, user.sessionId, data)

    @router.post("/enable")
    async def enable(data: TotpCodeInput, user: CurrentUserDep, ports: PortsDep) -> RecoveryCodesOutput:
        return await EnableTotp(ports).execute(user.userId, user.sessionId, data)

    @router.post("/disable", status_code=status.HTTP_204_NO_CONTENT)
    async def disable(data: TotpDisableInput, user: CurrentUserDep, ports: PortsDep) -> None:
        await DisableTotp(ports).execute(user.userId, user.sessionId, data)

    return router
