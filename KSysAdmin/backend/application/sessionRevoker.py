from __future__ import annotations

import uuid
from datetime import datetime

from KSysAdmin.backend.domain.interfaces.sessionKeyStoreInterface import SessionKeyStoreInterface
from KSysAdmin.backend.domain.interfaces.userRepositoryInterface import UserRepositoryInterface
from shared.backend.exceptions.domainError import DependencyUnavailableError
from shared.backend.loggingFactory import getSystemLogger

logger = getSystemLogger("ksysadmin.sessions")


class SessionKeysNotRemovedError(DependencyUnavailableError):
    code = "session_keys_not_removed"
    message = "The sessions were revoked but Redis could not be updated; repeat the revocation"


# Revokes in the database inside the action's transaction, then (after commit) deletes the Redis keys of
# every session that has not expired yet, revoked before or now, so a repeated call repairs a failed one.
class SessionRevoker:
    def __init__(self, users: UserRepositoryInterface, keys: SessionKeyStoreInterface) -> None:
        self.users = users
        self.keys = keys

    async def revokeInTransaction(
        self, userId: uuid.UUID, reason: str, now: datetime
    ) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
        revoked = await self.users.revokeSessions(userId, reason, now)
        # The account's admin console tokens end with its sessions, in the same transaction.
        await self.users.voidAdminTokens(userId, now)
        return revoked, await self.users.unexpiredSessionIds(userId, now)

    async def removeKeys(self, sessionIds: list[uuid.UUID]) -> int:
        try:
            return await self.keys.deleteSessions(sessionIds)
        except Exception as error:
            logger.error("session_keys_not_removed", "Could not delete session keys from Redis", error,
                         sessions=len(sessionIds))
            raise SessionKeysNotRemovedError() from None
