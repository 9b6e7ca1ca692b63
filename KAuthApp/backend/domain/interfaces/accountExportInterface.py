from __future__ import annotations

import uuid
from typing import Protocol

from KAuthApp.backend.domain.exportedPayment import ExportedPayment
from KAuthApp.backend.domain.models.auditLog import AuditLog
from KAuthApp.backend.domain.models.session import Session


# What an account export reads beyond the profile, newest first, at most `limit` rows each.
class AccountExportInterface(Protocol):
    async def sessionsOf(self, userId: uuid.UUID, limit: int) -> list[Session]: ...

    async def paymentsOf(self, userId: uuid.UUID, limit: int) -> list[ExportedPayment]: ...

    # Entries the user made (actor) or that name the account (target).
    async def activityOf(self, userId: uuid.UUID, limit: int) -> list[AuditLog]: ...
