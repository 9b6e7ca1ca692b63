from __future__ import annotations

from KSysAdmin.backend.application.cursorCodec import decodeCursor, encodeCursor
from KSysAdmin.backend.application.userOutput import UserOutput, UserPageOutput
from KSysAdmin.backend.domain.interfaces.userRepositoryInterface import UserRepositoryInterface
from KSysAdmin.backend.domain.queries import UserFilter, UserSort


class ListUsers:
    def __init__(self, users: UserRepositoryInterface) -> None:
        self.users = users

    async def execute(self, filter: UserFilter, sort: UserSort, cursor: str | None, limit: int) -> UserPageOutput:
        after = decodeCursor(cursor, sort.value, valueIsTime=not sort.byEmail)
        rows = await self.users.listPage(filter, sort, after, limit + 1)
        page = rows[:limit]
        roles = await self.users.rolesFor([user.id for user in page])
        nextCursor = None
        if len(rows) > limit and page:
            last = page[-1]
            nextCursor = encodeCursor(sort.value, last.email if sort.byEmail else last.createdAt, last.id)
        return UserPageOutput(items=[UserOutput.of(user, roles[user.id]) for user in page], nextCursor=nextCursor)
