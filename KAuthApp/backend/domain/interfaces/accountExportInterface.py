from __future__ import annotations

import uuid
from typing import Protocol

# One row of an export list, keyed as the export's JSON names it (application/accountExportOutput.py).
ExportRow = dict[str, object]


# What an account export reads beyond the profile, newest first, at most `limit` rows each.
class AccountExportInterface(Protocol):
    async def sessionsOf(self, userId: uuid.UUID, limit: int) -> list[ExportRow]: ...

    async def paymentsOf(self, userId: uuid.UUID, limit: int) -> list[ExportRow]: ...

    # Entries the user made (actor) or that name the account (target), each with its actorId.
    async def activityOf(self, userId: uuid.UUID, limit: int) -> list[ExportRow]: ...
