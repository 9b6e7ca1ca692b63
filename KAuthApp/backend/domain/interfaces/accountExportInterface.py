from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

# One row of an export list, keyed as the export's JSON names it (application/accountExportOutput.py).
ExportRow = dict[str, object]


# Newest first, at most `limit` rows each. activity: the entries the user made (actor) or that name the account
# (target), each with its actorId.
@dataclass(frozen=True)
class ExportLists:
    sessions: list[ExportRow]
    payments: list[ExportRow]
    activity: list[ExportRow]


# What an account export reads beyond the profile, in one snapshot.
class AccountExportInterface(Protocol):
    async def listsOf(self, userId: uuid.UUID, limit: int) -> ExportLists: ...
