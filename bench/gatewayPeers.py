from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, MutableMapping

from fastapi import FastAPI
from fastapi.responses import JSONResponse

# Upstream apps for bench/gateway.py: the proxied /health of case (c) and peer (d), a hand-written pure
# ASGI middleware counting with Redis INCR, the cheapest way to enforce the limit inside FastAPI.

Scope = MutableMapping[str, object]
Receive = Callable[[], Awaitable[MutableMapping[str, object]]]
Send = Callable[[MutableMapping[str, object]], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]


class RedisIncrLimiter:
    # The peer: a pure ASGI middleware counting each request with INCR (+ EXPIRE NX) in one round trip.
    def __init__(self, app: Asgi, redisUrl: str, limit: int, windowSeconds: int) -> None:
        from redis.asyncio import Redis

        self.app = app
        self.redis = Redis.from_url(redisUrl)
        self.limit = limit
        self.windowSeconds = windowSeconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == "/health":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        identity = client[0] if isinstance(client, tuple) else "unknown"
        window = int(time.time()) // self.windowSeconds
        key = f"rate_limit:ip:{identity}:bench:{window}"
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.incr(key)
            pipe.expire(key, self.windowSeconds * 2, nx=True)
            count, _ = await pipe.execute()
        if count > self.limit:
            response = JSONResponse(
                {"error": {"code": "rate_limited", "message": "Too many requests", "requestId": "",
                           "details": [{"retryAfter": self.windowSeconds, "routeGroup": "bench"}]}},
                status_code=429, headers={"Retry-After": str(self.windowSeconds)},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def createBenchApp() -> Asgi:
    app = FastAPI()

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/limited")
    async def limited() -> dict[str, str]:
        return {"status": "ok"}

    return RedisIncrLimiter(app, os.environ["BENCH_REDIS_URL"], 1, 60)
