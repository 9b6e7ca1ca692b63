from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, Index, Text, UniqueConstraint, Uuid, text
from sqlmodel import Field

from KSysPayment.backend.domain.models.base import KSysPaymentModel
from shared.backend.database.modelSupport import checkIn, timestampColumn, utcNow
from shared.backend.utils.uuid import generateId

FLAG_REASON_MAX = 500


class PaymentMethod(StrEnum):
    BRIVA = "briva"
    QRIS = "qris"


class PaymentStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    FAILED = "failed"


class Payment(KSysPaymentModel, table=True):
    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("user_id", "idempotency_key"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("currency = 'IDR'", name="currency"),
        CheckConstraint(checkIn("method", [method.value for method in PaymentMethod]), name="method"),
        CheckConstraint(checkIn("status", [status.value for status in PaymentStatus]), name="status"),
        # An admin's resolution of the flag: whole (when, who, what), and only of a flag (migration 0011).
        CheckConstraint("char_length(flag_resolution) <= 500", name="flag_resolution_length"),
        CheckConstraint("num_nulls(flag_resolved_at, flag_resolved_by, flag_resolution) IN (0, 3)",
                        name="flag_resolution_complete"),
        CheckConstraint("flag_resolved_at IS NULL OR flagged_reason IS NOT NULL", name="flag_resolution_needs_flag"),
        Index("ix_payments_user_id_created_at_id", "user_id", "created_at", "id"),
        Index("ix_payments_created_at_id", "created_at", "id"),
        Index("ix_payments_status_created_at_id", "status", "created_at", "id"),
        Index("ix_payments_method_created_at_id", "method", "created_at", "id"),
        # A VA notification takes the newest payment of its VA number straight from here (migration 0005).
        Index("ix_payments_virtual_account_no_created_at", "virtual_account_no", "created_at"),
        # At most one pending payment per VA number (migration 0003).
        Index("uq_payments_pending_virtual_account_no", "virtual_account_no", unique=True,
              postgresql_where=text("status = 'pending'")),
        # BRI's reference number names one QRIS payment (migration 0012).
        Index("uq_payments_bri_reference_no", "bri_reference_no", unique=True,
              postgresql_where=text("bri_reference_no IS NOT NULL")),
        Index("ix_payments_status_expires_at", "status", "expires_at"),
        Index("ix_payments_paid_at", "paid_at"),
        # Flagged payments for the admin list (migration 0004).
        Index("ix_payments_flagged_created_at_id", "created_at", "id",
              postgresql_where=text("flagged_reason IS NOT NULL")),
        # Flags no admin has resolved yet, the Flagged list's open ones (migration 0011).
        Index("ix_payments_open_flag_created_at_id", "created_at", "id",
              postgresql_where=text("flagged_reason IS NOT NULL AND flag_resolved_at IS NULL")),
        # Closed QRIS payments that reconciliation still asks BRI about (migration 0007).
        Index("ix_payments_recheck_at_id", "recheck_at", "id", postgresql_where=text("recheck_at IS NOT NULL")),
    )

    id: uuid.UUID = Field(default_factory=generateId, sa_column=Column("id", Uuid, primary_key=True))
    userId: uuid.UUID = Field(sa_column=Column("user_id", Uuid, ForeignKey("users.id"), nullable=False))
    amount: int = Field(sa_column=Column("amount", BigInteger, nullable=False))
    currency: str = Field(
        default="IDR", sa_column=Column("currency", Text, nullable=False, server_default=text("'IDR'"))
    )
    method: str = Field(sa_column=Column("method", Text, nullable=False))
    status: str = Field(
        default=PaymentStatus.PENDING.value,
        sa_column=Column("status", Text, nullable=False, server_default=text("'pending'")),
    )
    description: str | None = Field(default=None, sa_column=Column("description", Text))
    idempotencyKey: str = Field(sa_column=Column("idempotency_key", Text, nullable=False))
    requestHash: str = Field(sa_column=Column("request_hash", Text, nullable=False))
    virtualAccountNo: str | None = Field(default=None, sa_column=Column("virtual_account_no", Text))
    customerNo: str | None = Field(default=None, sa_column=Column("customer_no", Text))
    qrContent: str | None = Field(default=None, sa_column=Column("qr_content", Text))
    partnerReferenceNo: str = Field(sa_column=Column("partner_reference_no", Text, nullable=False, unique=True))
    briReferenceNo: str | None = Field(default=None, sa_column=Column("bri_reference_no", Text))
    expiresAt: datetime = Field(sa_column=timestampColumn("expires_at", withDefault=False))
    paidAt: datetime | None = Field(default=None, sa_column=timestampColumn("paid_at", True, False))
    failureReason: str | None = Field(default=None, sa_column=Column("failure_reason", Text))
    flaggedReason: str | None = Field(default=None, sa_column=Column("flagged_reason", Text))
    flagResolvedAt: datetime | None = Field(default=None, sa_column=timestampColumn("flag_resolved_at", True, False))
    flagResolvedBy: uuid.UUID | None = Field(
        default=None, sa_column=Column("flag_resolved_by", Uuid, ForeignKey("users.id"))
    )
    flagResolution: str | None = Field(default=None, sa_column=Column("flag_resolution", Text))
    # When to ask BRI again whether a cancelled or expired QR was paid anyway (None: not watched).
    recheckAt: datetime | None = Field(default=None, sa_column=timestampColumn("recheck_at", True, False))
    createdAt: datetime = Field(default_factory=utcNow, sa_column=timestampColumn("created_at"))
    updatedAt: datetime = Field(default_factory=utcNow, sa_column=timestampColumn("updated_at"))

    # Every writer of flaggedReason goes through here: a new flag reopens one an admin resolved.
    def flag(self, reason: str, now: datetime) -> None:
        self.flaggedReason = reason[:FLAG_REASON_MAX]
        self.updatedAt = now
        self.flagResolvedAt = None
        self.flagResolvedBy = None
        self.flagResolution = None

    # Whether the stored flag already says this (compared as flag() stores it: cut to FLAG_REASON_MAX).
    def flaggedFor(self, reason: str) -> bool:
        return self.flaggedReason == reason[:FLAG_REASON_MAX]
