from __future__ import annotations

import uuid
from typing import Protocol

from KSysAdmin.backend.domain.models.rateLimitRule import RateLimitRule
from KSysAdmin.backend.domain.models.systemSetting import SystemSetting


class SettingsRepositoryInterface(Protocol):
    async def get(self, key: str) -> SystemSetting | None: ...

    # Stores value as version expectedVersion + 1 only if the stored version is still expectedVersion.
    async def compareAndSet(
        self, key: str, expectedVersion: int, value: dict[str, object], updatedBy: uuid.UUID | None
    ) -> SystemSetting | None: ...

    async def listRateLimitRules(self) -> list[RateLimitRule]: ...

    async def replaceRateLimitRules(self, rules: list[RateLimitRule]) -> None: ...
