from __future__ import annotations

import math
import time
import uuid

from sqlalchemy import text

from shared.backend.database.driverPool import DriverPool
from shared.backend.database.driverStatement import DriverStatement
from shared.backend.loggingFactory import getSystemLogger
from shared.backend.security.jwtCodec import AccessClaims
from shared.backend.security.sessionStore import SessionStore

logger = getSystemLogger("security.sessions")
# The session as a refresh would publish it: live (not revoked, neither expiry passed), its user active and not
# deleted, with the user's roles and the end of its window.
LIVE_SESSION = DriverStatement(text(
    "SELECT floor(extract(epoch FROM LEAST(s.idle_expires_at, s.absolute_expires_at)))::bigint AS ends_at, "
    "ARRAY(SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id "
    "WHERE ur.user_id = s.user_id ORDER BY r.name) AS roles "
    "FROM sessions s JOIN users u ON u.id = s.user_id "
    "WHERE s.id = :sessionId AND s.user_id = :userId AND s.revoked_at IS NULL "
    "AND LEAST(s.idle_expires_at, s.absolute_expires_at) > now() AND u.status = 'active' AND u.deleted_at IS NULL"
))


# A live session whose key Redis lost (a restart: it keeps nothing on disk) gets its key back from PostgreSQL,
# which holds the truth; the token was verified by the caller. False (refused) for a revoked, expired or unusable
# session, and while a revocation marker stands: the save script refuses then, as for a racing refresh.
async def restoreSessionKey(pool: DriverPool, store: SessionStore, userId: uuid.UUID, sessionId: uuid.UUID,
                            claims: AccessClaims) -> bool:
    row = await pool.fetchRow(LIVE_SESSION, {"sessionId": sessionId, "userId": userId})
    if row is None:
        return False
    endsAt = int(row["ends_at"])
    restored = await store.save(str(sessionId), str(userId), row["roles"], endsAt, math.ceil(endsAt - time.time()),
                                claims.tokenId, claims.expiresAt)
    if restored:
        logger.security("session_key_restored", "Restored a live session's key from PostgreSQL",
                        session_id=str(sessionId), user_id=str(userId))
    return restored
