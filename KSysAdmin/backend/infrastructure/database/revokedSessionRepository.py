from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# Sessions revoked after a position in (revoked_at, id) order, read through ix_sessions_revoked_at_id (revoked rows
# only): a pass with nothing revoked since the last one is one index probe.
REVOKED_AFTER = text(
    "SELECT revoked_at, id FROM sessions WHERE revoked_at IS NOT NULL AND (revoked_at, id) > (:revokedAt, :id) "
    "ORDER BY revoked_at, id LIMIT :limit"
)

Position = tuple[datetime, uuid.UUID]


class RevokedSessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def revokedAfter(self, position: Position, limit: int) -> list[Position]:
        result = await self.session.execute(REVOKED_AFTER, {"revokedAt": position[0], "id": position[1],
                                                            "limit": limit})
        return [(revokedAt, sessionId) for revokedAt, sessionId in result.all()]
