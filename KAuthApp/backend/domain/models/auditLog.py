from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, Index, Text, Uuid, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from KAuthApp.backend.domain.models.base import KAuthModel
from shared.backend.database.modelSupport import checkIn, timestampColumn, utcNow
from shared.backend.utils.uuid import generateId


class ActorType(StrEnum):
    USER = "user"
    ADMIN = "admin"
    SYSTEM = "system"
    ANONYMOUS = "anonymous"


class AuditOutcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    DENIED = "denied"


# Append-only: the migration installs a trigger refusing UPDATE and DELETE. actor_id has no
# foreign key so that entries outlive the accounts they mention.
class AuditLog(KAuthModel, table=True):
    __tablename__ = "audit_logs"
    __table_args__ = (
        CheckConstraint(checkIn("actor_type", [actor.value for actor in ActorType]), name="actor_type"),
        CheckConstraint(checkIn("outcome", [outcome.value for outcome in AuditOutcome]), name="outcome"),
        Index("ix_audit_logs_created_at_id", "created_at", "id"),
        Index("ix_audit_logs_actor_id_created_at_id", "actor_id", "created_at", "id"),
        Index("ix_audit_logs_target_type_target_id_created_at_id", "target_type", "target_id", "created_at", "id"),
        Index("ix_audit_logs_action_created_at_id", "action", "created_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=generateId, sa_column=Column("id", Uuid, primary_key=True))
    actorId: uuid.UUID | None = Field(default=None, sa_column=Column("actor_id", Uuid))
    actorType: str = Field(sa_column=Column("actor_type", Text, nullable=False))
    action: str = Field(sa_column=Column("action", Text, nullable=False))
    targetType: str | None = Field(default=None, sa_column=Column("target_type", Text))
    targetId: str | None = Field(default=None, sa_column=Column("target_id", Text))
    ip: str | None = Field(default=None, sa_column=Column("ip", Text))
    requestId: str | None = Field(default=None, sa_column=Column("request_id", Text))
    outcome: str = Field(sa_column=Column("outcome", Text, nullable=False))
    details: dict[str, object] = Field(
        default_factory=dict, sa_column=Column("details", JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    )
    createdAt: datetime = Field(default_factory=utcNow, sa_column=timestampColumn("created_at"))
