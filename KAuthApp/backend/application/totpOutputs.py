from __future__ import annotations

from KAuthApp.backend.application.dtoBase import OutputModel


class TotpSetupOutput(OutputModel):
    secret: str
    provisioningUri: str


class RecoveryCodesOutput(OutputModel):
    recoveryCodes: list[str]
