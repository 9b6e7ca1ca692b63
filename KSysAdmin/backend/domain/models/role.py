from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Index, Text, Uuid
from sqlmodel import Field

from KSysAdmin.backend.domain.models.base import KSysAdminModel
from shared.backend.database.modelSupport import timestampColumn, utcNow
from shared.backend.utils.uuid import generateId


class RoleName(StrEnum):
    USER = "user"
    ADMIN = "admin"
    SUPERADMIN = "superadmin"


class Role(KSysAdminModel, table=True):
    __tablename__ = "roles"

    id: uuid.UUID = Field(default_factory=generateId, sa_column=Column("id", Uuid, primary_key=True))
    name: str = Field(sa_column=Column("name", Text, nullable=False, unique=True))


class UserRole(KSysAdminModel, table=True):
    __tablename__ = "user_roles"
    __table_args__ = (Index("ix_user_roles_role_id_user_id", "role_id", "user_id"),)

    userId: uuid.UUID = Field(
        sa_column=Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    )
    roleId: uuid.UUID = Field(
        sa_column=Column("role_id", Uuid, ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True)
    )
    createdAt: datetime = Field(default_factory=utcNow, sa_column=timestampColumn("created_at"))
