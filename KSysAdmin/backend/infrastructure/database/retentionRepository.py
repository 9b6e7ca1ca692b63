from __future__ import annotations

from datetime import datetime

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession

# A session ends at its revocation or either expiry, a one-time token at its use or expiry, whichever came first
# (LEAST skips NULLs). No index serves these: a pass scans the table, which keeps logins and refreshes free of
# one more index write.
ENDED_SESSIONS = text(
    "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions "
    "WHERE LEAST(revoked_at, idle_expires_at, absolute_expires_at) < :cutoff LIMIT :limit FOR UPDATE SKIP LOCKED)"
)
ENDED_ONE_TIME_TOKENS = text(
    "DELETE FROM one_time_tokens WHERE id IN (SELECT id FROM one_time_tokens "
    "WHERE LEAST(used_at, expires_at) < :cutoff LIMIT :limit FOR UPDATE SKIP LOCKED)"
)


class RetentionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def deleteEndedSessions(self, cutoff: datetime, limit: int) -> int:
        return await self.deleteEnded(ENDED_SESSIONS, cutoff, limit)

    async def deleteEndedOneTimeTokens(self, cutoff: datetime, limit: int) -> int:
        return await self.deleteEnded(ENDED_ONE_TIME_TOKENS, cutoff, limit)

    async def deleteEnded(self, statement: TextClause, cutoff: datetime, limit: int) -> int:
        result = await self.session.execute(statement, {"cutoff": cutoff, "limit": limit})
        return int(result.rowcount)  # type: ignore[attr-defined]
