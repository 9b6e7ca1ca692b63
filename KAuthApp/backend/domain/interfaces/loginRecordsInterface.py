from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from KAuthApp.backend.domain.auditRecord import AuditRecord
from KAuthApp.backend.domain.loginSnapshot import LoginSnapshot
from KAuthApp.backend.domain.sessionRecord import SessionRecord


class LoginRecordsInterface(Protocol):
    async def snapshot(self, email: str) -> LoginSnapshot | None: ...

    async def openSession(
        self, passwordHash: str, now: datetime, session: SessionRecord, audit: AuditRecord
    ) -> uuid.UUID | None: ...
