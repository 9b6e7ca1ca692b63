from __future__ import annotations

import uuid
from typing import Protocol


# What an account deletion reads and removes beyond the user row and the other ports' rows.
class AccountErasureInterface(Protocol):
    async def hasPendingPayments(self, userId: uuid.UUID) -> bool: ...

    async def holdsAdminRole(self, userId: uuid.UUID) -> bool: ...

    async def deleteOneTimeTokens(self, userId: uuid.UUID) -> None: ...

    async def removeRoles(self, userId: uuid.UUID) -> None: ...

    async def scrubSessions(self, userId: uuid.UUID) -> None: ...
