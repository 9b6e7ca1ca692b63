from __future__ import annotations

import uuid
from typing import Protocol


class SessionKeyStoreInterface(Protocol):
    async def deleteSessions(self, sessionIds: list[uuid.UUID]) -> int: ...
