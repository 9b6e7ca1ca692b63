from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Uuid, and_, delete, exists, func, insert, literal_column, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from KSysAdmin.backend.domain.exceptions.adminErrors import EmailTakenError
from KSysAdmin.backend.domain.models.mfaRecoveryCode import MfaRecoveryCode
from KSysAdmin.backend.domain.models.oneTimeToken import OneTimeToken
from KSysAdmin.backend.domain.models.payment import Payment, PaymentStatus
from KSysAdmin.backend.domain.models.role import Role, RoleName, UserRole
from KSysAdmin.backend.domain.models.session import Session
from KSysAdmin.backend.domain.models.user import User, UserStatus
from KSysAdmin.backend.domain.queries import KeysetPosition, PaymentSummary, UserFilter, UserSort
from shared.backend.database.baseRepository import BaseRepository, lockedForUpdate
from shared.backend.security.emailAddress import lookupEmail

# Above every code point an email can contain: `prefix <= email < prefix + PREFIX_END` is a prefix match.
PREFIX_END = "\U0010ffff"
EMAIL_CONSTRAINT = "uq_users_email"


# The role id is inlined so that PostgreSQL plans each role with its own statistics: a rare role (admin) is
# read from ix_user_roles_role_id_user_id, a common one (user) by walking the users index in page order.
def roleLiteral(roleId: uuid.UUID) -> ColumnElement[uuid.UUID]:
    return literal_column(f"'{uuid.UUID(str(roleId))}'::uuid", Uuid)




class UserRepository(BaseRepository[User]):
    model = User

    async def add(self, entity: User) -> User:
        try:
            return await super().add(entity)
        except IntegrityError as error:
            if EMAIL_CONSTRAINT in str(error.orig):
                raise EmailTakenError() from None
            raise

    async def flush(self) -> None:
        await self.session.flush()

    async def getByEmail(self, email: str, forUpdate: bool = False) -> User | None:
        statement = select(User).where(User.email == lookupEmail(email))
        if forUpdate:
            statement = lockedForUpdate(statement)
        return (await self.session.execute(statement)).scalar_one_or_none()

    # Read again from the database: the session's identity map may hold the row as an earlier statement saw it.
    async def reload(self, userId: uuid.UUID) -> User | None:
        statement = select(User).where(User.id == userId).execution_options(populate_existing=True)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def rolesOf(self, userId: uuid.UUID) -> frozenset[str]:
        statement = select(Role.name).join(UserRole, UserRole.roleId == Role.id).where(UserRole.userId == userId)
        return frozenset((await self.session.execute(statement)).scalars().all())

    async def rolesFor(self, userIds: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
        found: dict[uuid.UUID, list[str]] = {userId: [] for userId in userIds}
        if not userIds:
            return found
        statement = (
            select(UserRole.userId, Role.name)
            .join(Role, Role.id == UserRole.roleId)
            .where(UserRole.userId.in_(userIds))
            .order_by(Role.name)
        )
        for userId, name in (await self.session.execute(statement)).all():
            found[userId].append(name)
        return found

    async def setRoles(self, userId: uuid.UUID, roles: set[str]) -> None:
        await self.session.execute(delete(UserRole).where(UserRole.userId == userId))
        if roles:
            chosen = select(Role.id).where(Role.name.in_(sorted(roles)))
            roleIds = list((await self.session.execute(chosen)).scalars().all())
            await self.session.execute(insert(UserRole), [{"userId": userId, "roleId": roleId} for roleId in roleIds])
        await self.session.flush()

    async def lockRoleChanges(self) -> None:
        # Serializes every change that could remove a superadmin (demote, lock, disable) and every admin change
        # decided by the caller's roles, which re-reads the caller once it holds this lock. Always taken before
        # any users row lock in the same transaction: one lock order, so these changes cannot deadlock.
        statement = select(Role.id).where(Role.name == RoleName.SUPERADMIN.value).with_for_update()
        await self.session.execute(statement)

    async def countActiveSuperadmins(self, excluding: uuid.UUID | None = None) -> int:
        statement = (
            select(func.count())
            .select_from(User)
            .join(UserRole, UserRole.userId == User.id)
            .join(Role, Role.id == UserRole.roleId)
            .where(Role.name == RoleName.SUPERADMIN.value, User.status == UserStatus.ACTIVE.value)
            .where(User.deletedAt.is_(None))
        )
        if excluding is not None:
            statement = statement.where(User.id != excluding)
        return int((await self.session.execute(statement)).scalar_one())

    async def roleId(self, name: str) -> uuid.UUID | None:
        return (await self.session.execute(select(Role.id).where(Role.name == name))).scalar_one_or_none()

    def filterConditions(self, filter: UserFilter, roleId: uuid.UUID | None) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if filter.emailPrefix:
            prefix = filter.emailPrefix.strip().lower()
            conditions += [User.email >= prefix, User.email < prefix + PREFIX_END]
        if filter.status:
            conditions.append(User.status == filter.status)
        if filter.role and roleId is not None:
            conditions.append(exists().where(UserRole.userId == User.id, UserRole.roleId == roleLiteral(roleId)))
        # Deleted accounts are left out unless asked for, by includeDeleted or by their status (deleted by the holder).
        if not filter.includeDeleted and filter.status != UserStatus.DELETED.value:
            conditions.append(User.deletedAt.is_(None))
        return conditions

    async def listPage(
        self, filter: UserFilter, sort: UserSort, after: KeysetPosition | None, limit: int
    ) -> list[User]:
        roleId = await self.roleId(filter.role) if filter.role else None
        if filter.role and roleId is None:
            return []
        statement = select(User).where(*self.filterConditions(filter, roleId))
        if sort.byEmail:
            key = User.email
            statement = statement.order_by(key.desc() if sort.descending else key.asc())
            if after is not None:
                statement = statement.where(key < after.value if sort.descending else key > after.value)
        else:
            pair = tuple_(User.createdAt, User.id)
            if sort.descending:
                statement = statement.order_by(User.createdAt.desc(), User.id.desc())
            else:
                statement = statement.order_by(User.createdAt.asc(), User.id.asc())
            if after is not None:
                bound = tuple_(after.value, after.id)
                statement = statement.where(pair < bound if sort.descending else pair > bound)
        return list((await self.session.execute(statement.limit(limit))).scalars().all())

    async def sessionsOf(self, userId: uuid.UUID, limit: int) -> list[Session]:
        statement = (
            select(Session).where(Session.userId == userId).order_by(Session.createdAt.desc()).limit(limit)
        )
        return list((await self.session.execute(statement)).scalars().all())

    async def deleteRecoveryCodes(self, userId: uuid.UUID) -> int:
        statement = delete(MfaRecoveryCode).where(MfaRecoveryCode.userId == userId)  # type: ignore[arg-type]
        return int((await self.session.execute(statement)).rowcount)  # type: ignore[attr-defined]

    async def voidOneTimeTokens(self, userId: uuid.UUID, now: datetime) -> int:
        statement = (
            update(OneTimeToken)
            .where(OneTimeToken.userId == userId, OneTimeToken.usedAt.is_(None))  # type: ignore[arg-type,union-attr]
            .values(usedAt=now)
            .execution_options(synchronize_session=False)
        )
        return int((await self.session.execute(statement)).rowcount)  # type: ignore[attr-defined]

    async def revokeSessions(self, userId: uuid.UUID, reason: str, now: datetime) -> list[uuid.UUID]:
        statement = (
            update(Session)
            .where(Session.userId == userId, Session.revokedAt.is_(None))
            .values(revokedAt=now, revokedReason=reason)
            .returning(Session.id)
            .execution_options(synchronize_session=False)
        )
        return list((await self.session.execute(statement)).scalars().all())

    async def voidAdminTokens(self, userId: uuid.UUID, now: datetime) -> None:
        statement = (update(User).where(User.id == userId).values(adminTokensValidAfter=now)
                     .execution_options(synchronize_session="fetch"))
        await self.session.execute(statement)

    async def unexpiredSessionIds(self, userId: uuid.UUID, now: datetime) -> list[uuid.UUID]:
        statement = select(Session.id).where(
            and_(Session.userId == userId, Session.absoluteExpiresAt > now)
        )
        return list((await self.session.execute(statement)).scalars().all())

    async def paymentSummary(self, userId: uuid.UUID) -> PaymentSummary:
        statement = (
            select(Payment.status, func.count(), func.coalesce(func.sum(Payment.amount), 0))
            .where(Payment.userId == userId)
            .group_by(Payment.status)
        )
        byStatus: dict[str, int] = {}
        paidAmount = 0
        for status, count, amount in (await self.session.execute(statement)).all():
            byStatus[status] = int(count)
            if status == PaymentStatus.PAID.value:
                paidAmount = int(amount)
        return PaymentSummary(total=sum(byStatus.values()), byStatus=byStatus, paidAmount=paidAmount)
