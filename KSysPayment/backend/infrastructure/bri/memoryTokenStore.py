from __future__ import annotations

import time
from collections.abc import Callable


class MemoryInboundTokenStore:
    # For the simulator and tests only; production uses Redis so all workers share tokens.
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.expiries: dict[str, float] = {}

    async def save(self, tokenHash: str, ttlSeconds: int) -> None:
        now = self.clock()
        self.expiries = {key: expiry for key, expiry in self.expiries.items() if expiry > now}
        self.expiries[tokenHash] = now + ttlSeconds

    async def exists(self, tokenHash: str) -> bool:
        expiry = self.expiries.get(tokenHash)
        return expiry is not None and expiry > self.clock()

    def clear(self) -> None:
        self.expiries.clear()
