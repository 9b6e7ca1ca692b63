from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Text, Uuid
from sqlmodel import Field

from KSysAdmin.backend.domain.models.base import KSysAdminModel
from shared.backend.database.modelSupport import checkIn, timestampColumn, utcNow
from shared.backend.utils.uuid import generateId


class TokenPurpose(StrEnum):
    EMAIL_VERIFICATION = "email_verification"
    PASSWORD_RESET = "password_reset"  # noqa: S105


class OneTimeToken(KSysAdminModel, table=True):
    __tablename__ = "one_time_tokens"
    __table_args__ = (
        CheckConstraint(checkIn("purpose", [purpose.value for purpose in TokenPurpose]), name="purpose"),
        Index("ix_one_time_tokens_user_id_purpose", "user_id", "purpose"),
    )

    id: uuid.UUID = Field(default_factory=generateId, sa_column=Column("id", Uuid, primary_key=True))
    userId: uuid.UUID = Field(
        sa_column=Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    purpose: str = Field(sa_column=Column("purpose", Text, nullable=False))
    tokenHash: str = Field(sa_column=Column("token_hash", Text, nullable=False, unique=True))
    expiresAt: datetime = Field(sa_column=timestampColumn("expires_at", withDefault=False))
    usedAt: datetime | None = Field(default=None, sa_column=timestampColumn("used_at", True, False))
    createdAt: datetime = Field(default_factory=utcNow, sa_column=timestampColumn("created_at"))
