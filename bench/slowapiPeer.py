from __future__ import annotations

import os

from fastapi import FastAPI, Request
from slowapi import Limiter, _rate_limit_exceeded_handler
from slowapi.errors import RateLimitExceeded
from slowapi.util import get_remote_address

# Peer (d2) for bench/gateway.py: slowapi, the rate limiter a FastAPI user would otherwise pick, with its
# Redis storage and default fixed window: 1 request per minute per client IP. Not a project dependency:
# bench/gateway.py runs it in a throwaway environment (`uv run --no-project --with slowapi ...`).

limiter = Limiter(key_func=get_remote_address, storage_uri=os.environ["BENCH_REDIS_URL"])
app = FastAPI()
app.state.limiter = limiter
app.add_exception_handler(RateLimitExceeded, _rate_limit_exceeded_handler)  # type: ignore[arg-type]


@app.get("/limited")
@limiter.limit("1/minute")
async def limited(request: Request) -> dict[str, str]:
    return {"status": "ok"}
