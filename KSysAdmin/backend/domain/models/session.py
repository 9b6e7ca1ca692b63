from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Text, Uuid, text
from sqlmodel import Field

from KSysAdmin.backend.domain.models.base import KSysAdminModel
from shared.backend.database.modelSupport import timestampColumn, utcNow
from shared.backend.utils.uuid import generateId


class Session(KSysAdminModel, table=True):
    __tablename__ = "sessions"
    __table_args__ = (
        Index("ix_sessions_user_id_created_at", "user_id", "created_at"),
        Index("ix_sessions_family_id", "family_id"),
        Index("ix_sessions_revoked_at_id", "revoked_at", "id", postgresql_where=text("revoked_at IS NOT NULL")),
    )

    id: uuid.UUID = Field(default_factory=generateId, sa_column=Column("id", Uuid, primary_key=True))
    userId: uuid.UUID = Field(
        sa_column=Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    familyId: uuid.UUID = Field(default_factory=generateId, sa_column=Column("family_id", Uuid, nullable=False))
    refreshTokenHash: str = Field(sa_column=Column("refresh_token_hash", Text, nullable=False, unique=True))
    deviceFingerprint: str | None = Field(default=None, sa_column=Column("device_fingerprint", Text))
    ip: str | None = Field(default=None, sa_column=Column("ip", Text))
    userAgent: str | None = Field(default=None, sa_column=Column("user_agent", Text))
    createdAt: datetime = Field(default_factory=utcNow, sa_column=timestampColumn("created_at"))
    lastUsedAt: datetime = Field(default_factory=utcNow, sa_column=timestampColumn("last_used_at"))
    idleExpiresAt: datetime = Field(sa_column=timestampColumn("idle_expires_at", withDefault=False))
    absoluteExpiresAt: datetime = Field(sa_column=timestampColumn("absolute_expires_at", withDefault=False))
    revokedAt: datetime | None = Field(default=None, sa_column=timestampColumn("revoked_at", True, False))
    revokedReason: str | None = Field(default=None, sa_column=Column("revoked_reason", Text))
