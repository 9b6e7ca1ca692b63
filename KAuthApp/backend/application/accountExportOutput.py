from __future__ import annotations

from datetime import datetime

from KAuthApp.backend.application.dtoBase import OutputModel
from KAuthApp.backend.application.profileOutput import ProfileOutput
from KAuthApp.backend.application.sessionOutput import SessionFields
from KAuthApp.backend.domain.exportedPayment import ExportedPayment


class ExportedSessionOutput(SessionFields):
    revokedAt: datetime | None
    revokedReason: str | None


# An audit entry; ip and details only for the user's own actions (an admin's or a stranger's are theirs).
class ExportedActivityOutput(OutputModel):
    action: str
    outcome: str
    createdAt: datetime
    byYou: bool
    ip: str | None
    details: dict[str, object] | None


# Which lists stopped at the export's row limit (the newest rows are the ones kept).
class ExportTruncation(OutputModel):
    sessions: bool
    payments: bool
    activity: bool


class AccountExportOutput(OutputModel):
    exportedAt: datetime
    account: ProfileOutput
    sessions: list[ExportedSessionOutput]
    payments: list[ExportedPayment]
    activity: list[ExportedActivityOutput]
    truncated: ExportTruncation
