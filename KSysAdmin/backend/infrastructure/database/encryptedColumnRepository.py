from __future__ import annotations

import uuid

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from KSysAdmin.backend.domain.interfaces.encryptedColumnsInterface import EncryptedRow
from KSysAdmin.backend.domain.models.user import User
from shared.backend.security.fieldContexts import ENCRYPTED_USER_COLUMNS


# The users rows holding encrypted values, soft-deleted ones included, walked in id order.
class EncryptedColumnRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.table = User.__table__
        self.columns = [self.table.c[name] for name in ENCRYPTED_USER_COLUMNS]

    # The next rows after afterId, locked FOR UPDATE when they are to be rewritten in this transaction.
    async def nextBatch(self, afterId: uuid.UUID | None, limit: int, forUpdate: bool) -> list[EncryptedRow]:
        statement = (select(self.table.c.id, *self.columns)
                     .where(or_(*(column.is_not(None) for column in self.columns)))
                     .order_by(self.table.c.id).limit(limit))
        if forUpdate:
            statement = statement.with_for_update()
        if afterId is not None:
            statement = statement.where(self.table.c.id > afterId)
        rows = (await self.session.execute(statement)).all()
        return [EncryptedRow(row.id, {column.name: row._mapping[column] for column in self.columns
                                      if row._mapping[column] is not None}) for row in rows]

    async def store(self, userId: uuid.UUID, values: dict[str, str]) -> None:
        await self.session.execute(update(self.table).where(self.table.c.id == userId).values(**values))
