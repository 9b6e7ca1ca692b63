from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, select, update

from KAuthApp.backend.domain.models.session import Session
from shared.backend.database.baseRepository import BaseRepository


class SessionRepository(BaseRepository[Session]):
    model = Session

    async def listActive(self, userId: uuid.UUID, now: datetime) -> list[Session]:
        statement = (
            select(Session)
            .where(
                Session.userId == userId,  # type: ignore[arg-type]
                Session.revokedAt.is_(None),  # type: ignore[union-attr]
                Session.idleExpiresAt > now,  # type: ignore[arg-type]
                Session.absoluteExpiresAt > now,  # type: ignore[arg-type]
            )
            .order_by(Session.lastUsedAt.desc())  # type: ignore[attr-defined]
        )
        return list((await self.session.execute(statement)).scalars().all())

    # Every revoked session of the user whose Redis key may still exist (revoked now or earlier), but `keep`.
    # A live session a concurrent login opened is left alone.
    async def revokedUnexpiredIds(self, userId: uuid.UUID, now: datetime,
                                  keep: uuid.UUID | None = None) -> list[uuid.UUID]:
        statement = select(Session.id).where(
            Session.userId == userId,  # type: ignore[arg-type]
            Session.revokedAt.is_not(None),  # type: ignore[union-attr]
            Session.idleExpiresAt > now,  # type: ignore[arg-type]
            Session.absoluteExpiresAt > now,  # type: ignore[arg-type]
        )
        if keep is not None:
            statement = statement.where(Session.id != keep)  # type: ignore[arg-type]
        return list((await self.session.execute(statement)).scalars().all())

    async def revokeWhere(self, condition: ColumnElement[bool], reason: str, now: datetime) -> list[uuid.UUID]:
        statement = (
            update(Session)
            .where(condition, Session.revokedAt.is_(None))  # type: ignore[union-attr]
            .values(revoked_at=now, revoked_reason=reason)
            .returning(Session.id)  # type: ignore[arg-type]
            .execution_options(synchronize_session=False)
        )
        ids = list((await self.session.execute(statement)).scalars().all())
        for entity in list(self.session.identity_map.values()):
            if isinstance(entity, Session) and entity.id in ids:
                entity.revokedAt, entity.revokedReason = now, reason
        return ids

    async def revokeIds(self, ids: list[uuid.UUID], reason: str, now: datetime) -> list[uuid.UUID]:
        if not ids:
            return []
        return await self.revokeWhere(Session.id.in_(ids), reason, now)  # type: ignore[attr-defined]

    async def revokeFamily(self, familyId: uuid.UUID, reason: str, now: datetime) -> list[uuid.UUID]:
        return await self.revokeWhere(Session.familyId == familyId, reason, now)  # type: ignore[arg-type]

    async def revokeAllOf(
        self, userId: uuid.UUID, reason: str, now: datetime, keep: uuid.UUID | None = None
    ) -> list[uuid.UUID]:
        condition: ColumnElement[bool] = Session.userId == userId  # type: ignore[assignment]
        if keep is not None:
            condition = condition & (Session.id != keep)  # type: ignore[operator]
        return await self.revokeWhere(condition, reason, now)
