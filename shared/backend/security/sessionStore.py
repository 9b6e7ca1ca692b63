from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Sequence

from redis.asyncio import Redis
from redis.exceptions import NoScriptError

from shared.backend.exceptions.domainError import UnauthenticatedError
from shared.backend.redis.client import redisKey

# The access tokens a session's key lists (the gateway counts a request against the user only for one of them):
# the newest and the ones before it, at most this many and none expired.
RECENT_TOKENS = 4
# The key replaced whole with its expiry, atomically and in one round trip (as a MULTI/EXEC pipeline of DEL,
# HSET and EXPIRE through redis-py it cost ~10% of a login's event-loop time); refused (0) while the session's
# revocation marker stands, so a login or refresh that committed before a revocation cannot put back the key
# the revocation deleted. `jtis` lists the session's recent access tokens, newest first, as `<jti>:<exp>`
# separated by spaces: the new token (ARGV[5], ARGV[6]) and those of the old list not expired at ARGV[7].
REPLACE_SCRIPT = f"""
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local jtis, now = {{}}, tonumber(ARGV[7])
if ARGV[5] ~= '' then jtis[1] = ARGV[5] .. ':' .. ARGV[6] end
local old = redis.pcall('HGET', KEYS[1], 'jtis')
if type(old) == 'string' then
  for entry in string.gmatch(old, '%S+') do
    local expiresAt = tonumber(string.match(entry, ':(%d+)$'))
    if #jtis < {RECENT_TOKENS} and expiresAt and expiresAt > now then jtis[#jtis + 1] = entry end
  end
end
local fields = {{'userId', ARGV[1], 'roles', ARGV[2], 'expiresAt', ARGV[3]}}
if #jtis > 0 then fields[7], fields[8] = 'jtis', table.concat(jtis, ' ') end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""
REPLACE_SHA = hashlib.sha1(REPLACE_SCRIPT.encode(), usedforsecurity=False).hexdigest()
# Each key deleted and its revocation marker set, in one script so that no save runs between the two.
REVOKE_SCRIPT = """
local deleted = 0
for i = 1, #KEYS, 2 do
  redis.call('SET', KEYS[i + 1], '1', 'EX', ARGV[1])
  deleted = deleted + redis.call('DEL', KEYS[i])
end
return deleted
"""
REVOKE_SHA = hashlib.sha1(REVOKE_SCRIPT.encode(), usedforsecurity=False).hexdigest()


class SessionRevokedError(UnauthenticatedError):
    code = "session_revoked"
    message = "The session has ended; sign in again"


def sessionKey(sessionId: str) -> str:
    return redisKey("kauth", "session", sessionId)


def revokedKey(sessionId: str) -> str:
    return redisKey("kauth", "revoked", sessionId)


# The Redis mirror of a live session (DESIGN section 6): the gateway and the public server honour a
# token only while its session key exists, so deleting the key revokes access at once.
class SessionStore:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    # False when the session was revoked meanwhile (its marker stands): nothing is written. tokenId and
    # tokenExpiresAt are the jti and exp of the access token the login or refresh issues with this save.
    async def save(self, sessionId: str, userId: str, roles: Iterable[str], expiresAt: int, ttlSeconds: int,
                   tokenId: str = "", tokenExpiresAt: int = 0) -> bool:
        keys = (sessionKey(sessionId), revokedKey(sessionId))
        return bool(await self.run(REPLACE_SHA, REPLACE_SCRIPT, keys,
                                   (userId, ",".join(sorted(roles)), expiresAt, max(ttlSeconds, 1), tokenId,
                                    tokenExpiresAt, int(time.time()))))

    async def exists(self, sessionId: str) -> bool:
        return bool(await self.redis.exists(sessionKey(sessionId)))

    # Deletes the keys of revoked sessions (returns how many existed) and remembers the revocations for
    # rememberSeconds, at least as long as a login or refresh that raced them can take to save.
    async def revoke(self, sessionIds: Iterable[str], rememberSeconds: int) -> int:
        keys = [key for sessionId in sessionIds for key in (sessionKey(sessionId), revokedKey(sessionId))]
        if not keys:
            return 0
        return int(await self.run(REVOKE_SHA, REVOKE_SCRIPT, keys, (max(rememberSeconds, 1),)))

    async def run(self, sha: str, script: str, keys: Sequence[str], args: Sequence[object]) -> object:
        try:
            return await self.redis.evalsha(sha, len(keys), *keys, *args)  # type: ignore[misc]
        except NoScriptError:
            return await self.redis.eval(script, len(keys), *keys, *args)  # type: ignore[misc]  # caches it
