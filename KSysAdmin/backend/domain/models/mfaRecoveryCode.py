from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Text, UniqueConstraint, Uuid
from sqlmodel import Field

from KSysAdmin.backend.domain.models.base import KSysAdminModel
from shared.backend.database.modelSupport import timestampColumn, utcNow
from shared.backend.utils.uuid import generateId


class MfaRecoveryCode(KSysAdminModel, table=True):
    __tablename__ = "mfa_recovery_codes"
    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)

    id: uuid.UUID = Field(default_factory=generateId, sa_column=Column("id", Uuid, primary_key=True))
    userId: uuid.UUID = Field(
        sa_column=Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    codeHash: str = Field(sa_column=Column("code_hash", Text, nullable=False))
    usedAt: datetime | None = Field(default=None, sa_column=timestampColumn("used_at", True, False))
    createdAt: datetime = Field(default_factory=utcNow, sa_column=timestampColumn("created_at"))
