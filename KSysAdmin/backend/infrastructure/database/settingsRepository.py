from __future__ import annotations

import uuid

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from KSysAdmin.backend.domain.models.rateLimitRule import RateLimitRule
from KSysAdmin.backend.domain.models.systemSetting import SystemSetting
from shared.backend.database.modelSupport import utcNow


class SettingsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, key: str) -> SystemSetting | None:
        return await self.session.get(SystemSetting, key, populate_existing=True)

    async def compareAndSet(
        self, key: str, expectedVersion: int, value: dict[str, object], updatedBy: uuid.UUID | None
    ) -> SystemSetting | None:
        if expectedVersion == 0:
            statement = (
                insert(SystemSetting)
                .values(key=key, value=value, version=1, updatedBy=updatedBy, updatedAt=utcNow())
                .on_conflict_do_nothing(index_elements=["key"])
                .returning(SystemSetting.key)
            )
        else:
            statement = (
                update(SystemSetting)
                .where(SystemSetting.key == key, SystemSetting.version == expectedVersion)
                .values(value=value, version=expectedVersion + 1, updatedBy=updatedBy, updatedAt=utcNow())
                .returning(SystemSetting.key)
                .execution_options(synchronize_session=False)
            )
        if (await self.session.execute(statement)).scalar_one_or_none() is None:
            return None
        return await self.get(key)

    async def listRateLimitRules(self) -> list[RateLimitRule]:
        # populate_existing: a second read in one session sees rules another process replaced meanwhile.
        statement = (select(RateLimitRule).order_by(RateLimitRule.routeGroup, RateLimitRule.scope)
                     .execution_options(populate_existing=True))
        return list((await self.session.execute(statement)).scalars().all())

    async def replaceRateLimitRules(self, rules: list[RateLimitRule]) -> None:
        await self.session.execute(delete(RateLimitRule))
        self.session.add_all(rules)
        await self.session.flush()
