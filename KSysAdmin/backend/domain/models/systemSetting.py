from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Integer, Text, Uuid, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from KSysAdmin.backend.domain.models.base import KSysAdminModel
from shared.backend.database.modelSupport import timestampColumn, utcNow


class SystemSetting(KSysAdminModel, table=True):
    __tablename__ = "system_settings"
    __table_args__ = (CheckConstraint("version >= 1", name="version_positive"),)

    key: str = Field(sa_column=Column("key", Text, primary_key=True))
    value: dict[str, object] = Field(default_factory=dict, sa_column=Column("value", JSONB, nullable=False))
    version: int = Field(default=1, sa_column=Column("version", Integer, nullable=False, server_default=text("1")))
    updatedBy: uuid.UUID | None = Field(default=None, sa_column=Column("updated_by", Uuid))
    updatedAt: datetime = Field(default_factory=utcNow, sa_column=timestampColumn("updated_at"))
