from __future__ import annotations

from datetime import datetime
from typing import Protocol


class RetentionRepositoryInterface(Protocol):
    # Each deletes at most limit rows that ended before cutoff, skipping rows another transaction holds, and
    # returns how many it deleted.
    async def deleteEndedSessions(self, cutoff: datetime, limit: int) -> int: ...

    async def deleteEndedOneTimeTokens(self, cutoff: datetime, limit: int) -> int: ...
