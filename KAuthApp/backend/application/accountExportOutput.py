from __future__ import annotations

import uuid
from datetime import datetime

from KAuthApp.backend.application.dtoBase import OutputModel
from KAuthApp.backend.application.profileOutput import ProfileOutput
from KAuthApp.backend.application.sessionOutput import SessionFields


class ExportedSessionOutput(SessionFields):
    revokedAt: datetime | None
    revokedReason: str | None


class ExportedPaymentOutput(OutputModel):
    id: uuid.UUID
    amount: int
    currency: str
    method: str
    status: str
    description: str | None
    virtualAccountNo: str | None
    createdAt: datetime
    expiresAt: datetime
    paidAt: datetime | None
    failureReason: str | None


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


# The export's schema, for the OpenAPI document: ExportAccount builds the document as plain values (model instances for
# 30,000 rows cost more than reading them); test_accountExport validates answers against it.
class AccountExportOutput(OutputModel):
    exportedAt: datetime
    account: ProfileOutput
    sessions: list[ExportedSessionOutput]
    payments: list[ExportedPaymentOutput]
    activity: list[ExportedActivityOutput]
    truncated: ExportTruncation
