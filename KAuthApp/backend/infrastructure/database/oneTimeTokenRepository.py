from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update

from KAuthApp.backend.domain.models.oneTimeToken import OneTimeToken
from shared.backend.database.baseRepository import BaseRepository, lockedForUpdate


class OneTimeTokenRepository(BaseRepository[OneTimeToken]):
    model = OneTimeToken

    async def getByHash(self, tokenHash: str, forUpdate: bool = False) -> OneTimeToken | None:
        statement = select(OneTimeToken).where(OneTimeToken.tokenHash == tokenHash)  # type: ignore[arg-type]
        if forUpdate:
            statement = lockedForUpdate(statement)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def invalidateOpen(self, userId: uuid.UUID, purpose: str, now: datetime) -> None:
        await self.session.execute(
            update(OneTimeToken)
            .where(
                OneTimeToken.userId == userId,  # type: ignore[arg-type]
                OneTimeToken.purpose == purpose,  # type: ignore[arg-type]
                OneTimeToken.usedAt.is_(None),  # type: ignore[union-attr]
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
