from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ARRAY, BigInteger, Boolean, CheckConstraint, Column, DateTime, Index, Text, Uuid, text
from sqlmodel import Field

from KAuthApp.backend.domain.models.base import KAuthModel
from shared.backend.database.modelSupport import checkIn, timestampColumn, utcNow
from shared.backend.utils.uuid import generateId


class UserStatus(StrEnum):
    PENDING_VERIFICATION = "pending_verification"
    ACTIVE = "active"
    LOCKED = "locked"
    DISABLED = "disabled"
    # Erased by its holder (KAuthApp DeleteAccount): the row stays for the payments and audit entries naming it.
    DELETED = "deleted"


# Emails are stored lowercased (CHECK) with the C collation: the unique btree then serves
# case-insensitive equality, byte-ordered sorting and prefix ranges.
class User(KAuthModel, table=True):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(checkIn("status", [status.value for status in UserStatus]), name="status"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint("cardinality(failed_login_times) <= 100", name="failed_login_times_bounded"),
        Index("ix_users_created_at_id", "created_at", "id"),
        Index("ix_users_status_created_at_id", "status", "created_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=generateId, sa_column=Column("id", Uuid, primary_key=True))
    email: str = Field(sa_column=Column("email", Text(collation="C"), nullable=False, unique=True))
    passwordHash: str = Field(sa_column=Column("password_hash", Text, nullable=False))
    status: str = Field(
        default=UserStatus.PENDING_VERIFICATION.value,
        sa_column=Column("status", Text, nullable=False, server_default=text("'pending_verification'")),
    )
    emailVerifiedAt: datetime | None = Field(default=None, sa_column=timestampColumn("email_verified_at", True, False))
    # When the failed logins inside the lockout's sliding window happened (shared/backend/security/lockoutPolicy.py).
    failedLoginTimes: list[datetime] = Field(default_factory=list, sa_column=Column(
        "failed_login_times", ARRAY(DateTime(timezone=True)), nullable=False, server_default=text("'{}'")))
    lockedUntil: datetime | None = Field(default=None, sa_column=timestampColumn("locked_until", True, False))
    # Admin console tokens issued at or before this time are refused (KSysAdmin's revocations).
    adminTokensValidAfter: datetime | None = Field(
        default=None, sa_column=timestampColumn("admin_tokens_valid_after", True, False)
    )
    totpSecretEncrypted: str | None = Field(default=None, sa_column=Column("totp_secret_encrypted", Text))
    mfaEnabled: bool = Field(
        default=False, sa_column=Column("mfa_enabled", Boolean, nullable=False, server_default=text("false"))
    )
    totpLastUsedStep: int | None = Field(default=None, sa_column=Column("totp_last_used_step", BigInteger))
    displayName: str | None = Field(default=None, sa_column=Column("display_name", Text))
    phoneEncrypted: str | None = Field(default=None, sa_column=Column("phone_encrypted", Text))
    createdAt: datetime = Field(default_factory=utcNow, sa_column=timestampColumn("created_at"))
    updatedAt: datetime = Field(default_factory=utcNow, sa_column=timestampColumn("updated_at"))
    deletedAt: datetime | None = Field(default=None, sa_column=timestampColumn("deleted_at", True, False))
