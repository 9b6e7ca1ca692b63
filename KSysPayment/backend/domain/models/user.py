from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, Text, Uuid
from sqlmodel import Field

from KSysPayment.backend.domain.models.base import KSysPaymentModel
from shared.backend.database.modelSupport import timestampColumn


# Read-only subset of KSysAdmin's users table (payments reference it); never insert through it.
class User(KSysPaymentModel, table=True):
    __tablename__ = "users"

    id: uuid.UUID = Field(sa_column=Column("id", Uuid, primary_key=True))
    email: str = Field(sa_column=Column("email", Text(collation="C"), nullable=False, unique=True))
    status: str = Field(sa_column=Column("status", Text, nullable=False))
    deletedAt: datetime | None = Field(default=None, sa_column=timestampColumn("deleted_at", True, False))
