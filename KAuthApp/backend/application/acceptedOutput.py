from __future__ import annotations

from KAuthApp.backend.application.dtoBase import OutputModel


class AcceptedOutput(OutputModel):
    status: str
    message: str
