from __future__ import annotations

import asyncio

from KSysPayment.backend.infrastructure.bri.tokenCache import CachedToken, TokenCache


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class CountingFetcher:
    def __init__(self, clock: FakeClock, expiresIn: float = 899.0, delay: float = 0.0) -> None:
        self.clock = clock
        self.expiresIn = expiresIn
        self.delay = delay
        self.calls = 0

    async def __call__(self) -> CachedToken:
        self.calls += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        return CachedToken(f"token-{self.calls}", self.expiresIn, self.clock())


async def test_oneFetchServesManyCalls() -> None:
    clock = FakeClock()
    fetcher = CountingFetcher(clock)
    cache = TokenCache(fetcher, clock=clock)
    values = [await cache.get() for _ in range(50)]
    assert set(values) == {"token-1"}
    assert fetcher.calls == 1


async def test_refreshesAboutHundredSecondsBeforeExpiry() -> None:
    clock = FakeClock()
    fetcher = CountingFetcher(clock)
    cache = TokenCache(fetcher, refreshMarginSeconds=100, clock=clock)
    assert await cache.get() == "token-1"
    clock.now += 798
    assert await cache.get() == "token-1"
    clock.now += 2  # 800 s after issue: inside the 100 s margin of an 899 s token
    assert await cache.get() == "token-2"
    assert fetcher.calls == 2


async def test_shortLivedTokensKeepHalfTheirLifetime() -> None:
    clock = FakeClock()
    fetcher = CountingFetcher(clock, expiresIn=60)
    cache = TokenCache(fetcher, refreshMarginSeconds=100, clock=clock)
    await cache.get()
    clock.now += 29
    assert await cache.get() == "token-1"
    clock.now += 2
    assert await cache.get() == "token-2"


async def test_singleRefreshUnderConcurrency() -> None:
    clock = FakeClock()
    fetcher = CountingFetcher(clock, delay=0.05)
    cache = TokenCache(fetcher, clock=clock)
    values = await asyncio.gather(*(cache.get() for _ in range(20)))
    assert set(values) == {"token-1"}
    assert fetcher.calls == 1
    clock.now += 850
    values = await asyncio.gather(*(cache.get() for _ in range(20)))
    assert set(values) == {"token-2"}
    assert fetcher.calls == 2


async def test_invalidateDropsOnlyTheStaleToken() -> None:
    clock = FakeClock()
    fetcher = CountingFetcher(clock)
    cache = TokenCache(fetcher, clock=clock)
    first = await cache.get()
    cache.invalidate("someone-elses-token")
    assert await cache.get() == first
    cache.invalidate(first)
    assert await cache.get() == "token-2"
    # A second task reporting the same stale token must not throw away the fresh one.
    cache.invalidate(first)
    assert await cache.get() == "token-2"
    assert fetcher.calls == 2
