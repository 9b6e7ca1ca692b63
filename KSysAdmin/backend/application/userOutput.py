from __future__ import annotations

import uuid
from datetime import datetime

from KSysAdmin.backend.application.auditLogOutput import AuditLogOutput
from KSysAdmin.backend.application.dtoBase import OutputModel
from KSysAdmin.backend.domain.models.user import User


class UserOutput(OutputModel):
    id: uuid.UUID
    email: str
    status: str
    roles: list[str]
    displayName: str | None
    emailVerifiedAt: datetime | None
    lockedUntil: datetime | None
    mfaEnabled: bool
    createdAt: datetime
    updatedAt: datetime
    deletedAt: datetime | None

    @classmethod
    def of(cls, user: User, roles: list[str]) -> UserOutput:
        return cls(
            id=user.id, email=user.email, status=user.status, roles=sorted(roles), displayName=user.displayName,
            emailVerifiedAt=user.emailVerifiedAt, lockedUntil=user.lockedUntil, mfaEnabled=user.mfaEnabled,
            createdAt=user.createdAt, updatedAt=user.updatedAt, deletedAt=user.deletedAt,
        )


class UserPageOutput(OutputModel):
    items: list[UserOutput]
    nextCursor: str | None


class SessionOutput(OutputModel):
    id: uuid.UUID
    familyId: uuid.UUID
    deviceFingerprint: str | None
    ip: str | None
    userAgent: str | None
    createdAt: datetime
    lastUsedAt: datetime
    idleExpiresAt: datetime
    absoluteExpiresAt: datetime
    revokedAt: datetime | None
    revokedReason: str | None


class PaymentSummaryOutput(OutputModel):
    total: int
    byStatus: dict[str, int]
    paidAmount: int


class UserDetailOutput(UserOutput):
    sessions: list[SessionOutput]
    paymentSummary: PaymentSummaryOutput
    recentAudit: list[AuditLogOutput]


class RevokeSessionsOutput(OutputModel):
    revokedSessions: int
    removedSessionKeys: int
