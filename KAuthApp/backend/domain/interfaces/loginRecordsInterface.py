from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from KAuthApp.backend.domain.loginSnapshot import LoginSnapshot
from KAuthApp.backend.domain.sessionRecord import SessionRecord
from shared.backend.database.auditRecord import AuditRecord


class LoginRecordsInterface(Protocol):
    async def snapshot(self, email: str) -> LoginSnapshot | None: ...

    async def openSession(
        self, passwordHash: str, now: datetime, session: SessionRecord, audit: AuditRecord
    ) -> uuid.UUID | None: ...
