from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, update

from KAuthApp.backend.domain.models.mfaRecoveryCode import MfaRecoveryCode
from shared.backend.database.baseRepository import BaseRepository


class RecoveryCodeRepository(BaseRepository[MfaRecoveryCode]):
    model = MfaRecoveryCode

    async def replaceAll(self, userId: uuid.UUID, codeHashes: list[str]) -> None:
        await self.deleteAll(userId)
        self.session.add_all([MfaRecoveryCode(userId=userId, codeHash=codeHash) for codeHash in codeHashes])
        await self.session.flush()

    # Single use: the UPDATE only matches an unused code, so two concurrent uses cannot both succeed.
    async def consume(self, userId: uuid.UUID, codeHash: str, now: datetime) -> bool:
        statement = (
            update(MfaRecoveryCode)
            .where(
                MfaRecoveryCode.userId == userId,  # type: ignore[arg-type]
                MfaRecoveryCode.codeHash == codeHash,  # type: ignore[arg-type]
                MfaRecoveryCode.usedAt.is_(None),  # type: ignore[union-attr]
            )
            .values(used_at=now)
            .returning(MfaRecoveryCode.id)  # type: ignore[arg-type]
            .execution_options(synchronize_session=False)
        )
        return (await self.session.execute(statement)).first() is not None

    async def deleteAll(self, userId: uuid.UUID) -> None:
        await self.session.execute(
            delete(MfaRecoveryCode).where(MfaRecoveryCode.userId == userId)  # type: ignore[arg-type]
        )
