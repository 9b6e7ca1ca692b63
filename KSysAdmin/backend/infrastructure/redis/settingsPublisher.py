from __future__ import annotations

import json

from redis.asyncio import Redis

from shared.backend.redis.client import redisKey

SETTINGS_CHANNEL = "ksysadmin:settings"

# Writes the document and announces its key unless the stored one already has this version or a newer one
# (ARGV[4] == "1" writes regardless), so that a delayed publish cannot put an older version back.
# Answers 1 when it wrote.
PUBLISH_SCRIPT = """
if ARGV[4] ~= '1' then
  local current = redis.call('GET', KEYS[1])
  if current then
    local ok, document = pcall(cjson.decode, current)
    if ok and type(document) == 'table' and tonumber(document['version'])
        and tonumber(document['version']) >= tonumber(ARGV[2]) then
      return 0
    end
  end
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[3], KEYS[1])
return 1
"""

# Removes the document and announces its key, when there was one. Answers 1 when it removed.
UNPUBLISH_SCRIPT = """
if redis.call('DEL', KEYS[1]) == 0 then
  return 0
end
redis.call('PUBLISH', ARGV[1], KEYS[1])
return 1
"""


def settingsKey(name: str) -> str:
    return redisKey("ksysadmin", "settings", name)


# The document goes to ksysadmin:settings:{name}; subscribers of the channel get that key name. An update
# publishes only over an older version; the startup republish (force) writes what PostgreSQL holds, and removes
# the document of a setting PostgreSQL does not hold.
class RedisSettingsPublisher:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def publish(self, name: str, document: dict[str, object], force: bool = False) -> bool:
        body = json.dumps(document, separators=(",", ":"))
        arguments = (1, settingsKey(name), body, int(str(document["version"])), SETTINGS_CHANNEL, int(force))
        return bool(await self.redis.eval(PUBLISH_SCRIPT, *arguments))  # type: ignore[misc]

    async def unpublish(self, name: str) -> bool:
        return bool(await self.redis.eval(UNPUBLISH_SCRIPT, 1, settingsKey(name), SETTINGS_CHANNEL))  # type: ignore[misc]
