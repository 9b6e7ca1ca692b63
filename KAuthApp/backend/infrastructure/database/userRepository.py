from __future__ import annotations

import uuid

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from KAuthApp.backend.domain.exceptions.authErrors import DuplicateEmailError
from KAuthApp.backend.domain.models.role import Role, UserRole
from KAuthApp.backend.domain.models.user import User
from shared.backend.database.baseRepository import BaseRepository

EMAIL_CONSTRAINT = "uq_users_email"


class UserRepository(BaseRepository[User]):
    model = User

    async def getByEmail(self, email: str, forUpdate: bool = False) -> User | None:
        statement = select(User).where(User.email == email.strip().lower())  # type: ignore[arg-type]
        if forUpdate:
            statement = statement.with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()

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

    async def flush(self) -> None:
        await self.session.flush()
