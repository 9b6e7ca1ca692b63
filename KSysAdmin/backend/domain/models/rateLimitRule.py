from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, Column, Integer, Text, UniqueConstraint, Uuid, text
from sqlmodel import Field

from KSysAdmin.backend.domain.models.base import KSysAdminModel
from shared.backend.database.modelSupport import checkIn, timestampColumn, utcNow
from shared.backend.utils.uuid import generateId


class RouteGroup(StrEnum):
    AUTH_LOGIN = "auth-login"
    AUTH_REGISTER = "auth-register"
    PASSWORD_RESET = "password-reset"  # noqa: S105
    AUTH = "auth"
    AUTH_EXPORT = "auth-export"
    PAYMENT_CREATE = "payment-create"
    PAYMENT = "payment"
    PAYMENT_CALLBACK = "payment-callback"
    ADMIN_LOGIN = "admin-login"
    ADMIN = "admin"
    DEFAULT = "default"


class RateLimitScope(StrEnum):
    IP = "ip"
    USER = "user"


class FailMode(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class RateLimitRule(KSysAdminModel, table=True):
    __tablename__ = "rate_limit_rules"
    __table_args__ = (
        UniqueConstraint("route_group", "scope"),
        CheckConstraint(checkIn("route_group", [group.value for group in RouteGroup]), name="route_group"),
        CheckConstraint(checkIn("scope", [scope.value for scope in RateLimitScope]), name="scope"),
        CheckConstraint(checkIn("fail_mode", [mode.value for mode in FailMode]), name="fail_mode"),
        CheckConstraint('"limit" > 0', name="limit_positive"),
        CheckConstraint("window_seconds > 0", name="window_seconds_positive"),
    )

    id: uuid.UUID = Field(default_factory=generateId, sa_column=Column("id", Uuid, primary_key=True))
    routeGroup: str = Field(sa_column=Column("route_group", Text, nullable=False))
    scope: str = Field(sa_column=Column("scope", Text, nullable=False))
    limit: int = Field(sa_column=Column("limit", Integer, nullable=False))
    windowSeconds: int = Field(sa_column=Column("window_seconds", Integer, nullable=False))
    failMode: str = Field(sa_column=Column("fail_mode", Text, nullable=False))
    enabled: bool = Field(
        default=True, sa_column=Column("enabled", Boolean, nullable=False, server_default=text("true"))
    )
    updatedAt: datetime = Field(default_factory=utcNow, sa_column=timestampColumn("updated_at"))
