from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from KAuthApp.backend.domain.exceptions.authErrors import DuplicateEmailError
from KAuthApp.backend.domain.models.role import Role, UserRole
from KAuthApp.backend.domain.models.user import User
from KAuthApp.backend.infrastructure.database.profileQuery import ROLE_NAMES
from shared.backend.database.baseRepository import BaseRepository, lockedForUpdate

EMAIL_CONSTRAINT = "uq_users_email"


class UserRepository(BaseRepository[User]):
    model = User

    async def getByEmail(self, email: str, forUpdate: bool = False) -> User | None:
        statement = select(User).where(User.email == email.strip().lower())  # type: ignore[arg-type]
        if forUpdate:
            statement = lockedForUpdate(statement)
        return (await self.session.execute(statement)).scalar_one_or_none()

    # A login's read: the user row locked for its lockout counters, and its role names, in one statement.
    async def lockForLogin(self, email: str) -> tuple[User, list[str]] | None:
        statement = lockedForUpdate(
            select(User, func.array(ROLE_NAMES)).where(User.email == email.strip().lower()),  # type: ignore[arg-type]
            of=User,
        )
        row = (await self.session.execute(statement)).one_or_none()
        return (row[0], list(row[1])) if row is not None else None

    async def addUser(self, user: User) -> User:
        try:
            return await self.add(user)
        except IntegrityError as error:
            if EMAIL_CONSTRAINT in str(error.orig):
                raise DuplicateEmailError() from None
            raise

    async def grantRole(self, userId: uuid.UUID, roleName: str) -> None:
        roleId = select(Role.id).where(Role.name == roleName).scalar_subquery()  # type: ignore[arg-type]
        await self.session.execute(insert(UserRole).values(user_id=userId, role_id=roleId))

    async def rolesOf(self, userId: uuid.UUID) -> list[str]:
        statement = (
            select(Role.name)
            .join(UserRole, UserRole.roleId == Role.id)  # type: ignore[arg-type]
            .where(UserRole.userId == userId)  # type: ignore[arg-type]
            .order_by(Role.name)
        )
        return list((await self.session.execute(statement)).scalars().all())

    # The admin console's tokens issued up to now stop working (KSysAdmin's AuthorizeAdmin reads the column).
    async def voidAdminTokens(self, userId: uuid.UUID, now: datetime) -> None:
        statement = (update(User).where(User.id == userId)  # type: ignore[arg-type]
                     .values(adminTokensValidAfter=now).execution_options(synchronize_session="fetch"))
        await self.session.execute(statement)

    async def flush(self) -> None:
        await self.session.flush()
