from __future__ import annotations

import asyncio
from pathlib import Path

from shared.backend.config.settings import RedisSettings
from shared.backend.redis.client import createRedisClient
from tests.support.processes import RedisProcess

POOLED = 4


# Redis restarted (a private one here) closes every pooled connection. Once it is back, each command must run on
# a fresh connection: the pool handed out the closed ones and their commands failed with "Connection closed by
# server", a 503 for a request made after Redis had recovered, once per connection idle in the pool.
async def test_connectionsIdleAcrossARestartAreReplaced(tmp_path: Path) -> None:
    server = RedisProcess(tmp_path)
    server.start()
    client = createRedisClient(RedisSettings(REDIS_URL=server.url))  # type: ignore[call-arg]
    try:
        pool = client.connection_pool
        held = [await pool.get_connection() for _ in range(POOLED)]
        for connection in held:
            await pool.release(connection)
        port = server.port
        server.stop()
        await asyncio.sleep(0.2)  # the event loop reads each connection's end of stream
        server.port = port
        server.start()
        # At once, so that each command takes one of the pooled connections.
        assert await asyncio.gather(*(client.ping() for _ in range(POOLED))) == [True] * POOLED
    finally:
        await client.aclose()
        server.stop()
