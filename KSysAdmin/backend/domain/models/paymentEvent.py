from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Index, Text, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from KSysAdmin.backend.domain.models.base import KSysAdminModel
from shared.backend.database.modelSupport import timestampColumn, utcNow
from shared.backend.utils.uuid import generateId


# Every inbound notification or status poll result; dedupe_key makes settlement exactly-once.
class PaymentEvent(KSysAdminModel, table=True):
    __tablename__ = "payment_events"
    __table_args__ = (Index("ix_payment_events_payment_id_received_at", "payment_id", "received_at"),)

    id: uuid.UUID = Field(default_factory=generateId, sa_column=Column("id", Uuid, primary_key=True))
    paymentId: uuid.UUID | None = Field(default=None, sa_column=Column("payment_id", Uuid, ForeignKey("payments.id")))
    kind: str = Field(sa_column=Column("kind", Text, nullable=False))
    dedupeKey: str = Field(sa_column=Column("dedupe_key", Text, nullable=False, unique=True))
    raw: dict[str, object] = Field(default_factory=dict, sa_column=Column("raw", JSONB, nullable=False))
    signatureValid: bool = Field(sa_column=Column("signature_valid", Boolean, nullable=False))
    outcome: str = Field(sa_column=Column("outcome", Text, nullable=False))
    receivedAt: datetime = Field(default_factory=utcNow, sa_column=timestampColumn("received_at"))
