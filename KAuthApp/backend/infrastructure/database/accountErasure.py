from __future__ import annotations

import uuid

from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from KAuthApp.backend.domain.models.oneTimeToken import OneTimeToken
from KAuthApp.backend.domain.models.role import Role, RoleName, UserRole
from KAuthApp.backend.domain.models.session import Session
from KAuthApp.backend.infrastructure.database.paymentsTable import PAYMENTS

PENDING = "pending"


class AccountErasure:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def hasPendingPayments(self, userId: uuid.UUID) -> bool:
        statement = select(exists().where(PAYMENTS.c.user_id == userId, PAYMENTS.c.status == PENDING))
        return bool((await self.session.execute(statement)).scalar_one())

    # A closed QR that reconciliation still asks BRI about (it may be paid yet), or a flag no admin resolved (a late
    # payment or a wrong amount: maybe money to give back).
    async def hasUnsettledPayments(self, userId: uuid.UUID) -> bool:
        c = PAYMENTS.c
        openFlag = and_(c.flagged_reason.is_not(None), c.flag_resolved_at.is_(None))
        statement = select(exists().where(c.user_id == userId, or_(c.recheck_at.is_not(None), openFlag)))
        return bool((await self.session.execute(statement)).scalar_one())

    async def holdsAdminRole(self, userId: uuid.UUID) -> bool:
        statement = select(exists().where(
            UserRole.userId == userId, UserRole.roleId == Role.id,  # type: ignore[arg-type]
            Role.name.in_((RoleName.ADMIN.value, RoleName.SUPERADMIN.value)),  # type: ignore[attr-defined]
        ))
        return bool((await self.session.execute(statement)).scalar_one())

    async def deleteOneTimeTokens(self, userId: uuid.UUID) -> None:
        await self.session.execute(delete(OneTimeToken).where(OneTimeToken.userId == userId))  # type: ignore[arg-type]

    async def removeRoles(self, userId: uuid.UUID) -> None:
        await self.session.execute(delete(UserRole).where(UserRole.userId == userId))  # type: ignore[arg-type]

    # The rows stay (ended, for the audit entries that name them); where and on what they were used goes.
    async def scrubSessions(self, userId: uuid.UUID) -> None:
        await self.session.execute(update(Session).where(Session.userId == userId)  # type: ignore[arg-type]
                                   .values(ip=None, userAgent=None, deviceFingerprint=None))
