from __future__ import annotations

import uuid
from typing import Protocol

from KAuthApp.backend.domain.models.user import User


class UserRepositoryInterface(Protocol):
    async def getById(self, id: uuid.UUID, forUpdate: bool = False) -> User | None: ...

    async def getByEmail(self, email: str, forUpdate: bool = False) -> User | None: ...

    async def addUser(self, user: User) -> User: ...

    async def grantRole(self, userId: uuid.UUID, roleName: str) -> None: ...

    async def rolesOf(self, userId: uuid.UUID) -> list[str]: ...

    async def flush(self) -> None: ...
