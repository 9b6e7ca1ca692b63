from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import update

from KSysAdmin.backend.domain.models.mfaRecoveryCode import MfaRecoveryCode
from shared.backend.database.baseRepository import BaseRepository


class RecoveryCodeRepository(BaseRepository[MfaRecoveryCode]):
    model = MfaRecoveryCode

    # Single use: the UPDATE only matches an unused code, so two concurrent uses cannot both succeed.
    async def consume(self, userId: uuid.UUID, codeHash: str, now: datetime) -> bool:
        code = MfaRecoveryCode
        unused = (code.userId == userId, code.codeHash == codeHash, code.usedAt.is_(None))  # type: ignore[union-attr]
        statement = update(code).where(*unused).values(used_at=now).returning(code.id)  # type: ignore[arg-type]
        return (await self.session.execute(statement.execution_options(synchronize_session=False))).first() is not None
