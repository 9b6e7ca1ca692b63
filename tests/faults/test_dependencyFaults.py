from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import text

from shared.backend.config.settings import DatabaseSettings, RedisSettings, Settings
from shared.backend.database.engine import createDatabase
from shared.backend.redis.client import createRedisClient
from tests.faults.privateStack import PrivateStack, Sample, Traffic, privateStackIn
from tests.security.securitySupport import Account, AccountFactory

RECOVERY_SECONDS = 5.0
MAX_OUTAGE_ANSWER_SECONDS = 5.0


@pytest.fixture(scope="module")
def stack() -> Iterator[PrivateStack]:
    with privateStackIn("kservices-faults-") as private:
        private.start()
        yield private


# Per test: a Redis outage drops the session keys (the private Redis keeps no data across a restart).
@pytest.fixture
async def account(stack: PrivateStack, settings: Settings) -> AsyncIterator[Account]:
    database = createDatabase(DatabaseSettings(DATABASE_URL=stack.databaseUrl))  # type: ignore[call-arg]
    redis = createRedisClient(RedisSettings(REDIS_URL=stack.redis.url))  # type: ignore[call-arg]
    account = await AccountFactory(settings, database, redis).create(["user", "admin"], "faultadmin")
    await redis.aclose()
    await database.engine.dispose()
    yield account


def assertOutageAnswers(samples: list[Sample], stoppedAt: float, restartedAt: float) -> None:
    # Every request in flight at any moment of the outage, including those caught by the shutdown itself.
    during = [s for s in samples if s.startedAt + s.seconds >= stoppedAt and s.startedAt <= restartedAt]
    assert during, "no traffic during the outage"
    bad = [s for s in during if s.status == 0 or s.status == 500 or (s.status >= 400 and not s.envelope)]
    assert not bad, f"outage answers that are not envelopes or are 500: {bad[:5]}"
    slow = [s for s in during if s.seconds > MAX_OUTAGE_ANSWER_SECONDS]
    assert not slow, f"requests hung during the outage: {slow[:5]}"
    assert any(s.status == 503 for s in during if s.startedAt >= stoppedAt + 0.5), "no 503 while it was down"


def assertRecovered(samples: list[Sample], restartedAt: float) -> None:
    kinds = {s.kind for s in samples}
    for kind in kinds:
        after = [s for s in samples if s.kind == kind and s.startedAt >= restartedAt]
        ok = [s for s in after if s.status < 500 and s.status != 0]
        assert ok, f"{kind} never recovered: {after[-3:]}"
        assert ok[0].startedAt - restartedAt <= RECOVERY_SECONDS, f"{kind} took {ok[0].startedAt - restartedAt:.1f} s"
        assert all(s.status < 500 for s in after if s.startedAt >= ok[0].startedAt + 1), f"{kind} relapsed"


async def assertEveryUserAudited(stack: PrivateStack, emails: list[str]) -> None:
    database = createDatabase(DatabaseSettings(DATABASE_URL=stack.databaseUrl))  # type: ignore[call-arg]
    try:
        async with database.engine.connect() as connection:
            rows = (await connection.execute(text(
                "SELECT u.email, count(a.id) FROM users u LEFT JOIN audit_logs a "
                "ON a.target_id = u.id::text AND a.action LIKE '%register%' "
                "WHERE u.email LIKE 'fault-%' GROUP BY u.email"))).all()
    finally:
        await database.engine.dispose()
    counts = {str(email): int(count) for email, count in rows}
    assert set(emails) <= set(counts), "a registration answered 202 but no user row exists"
    assert all(count >= 1 for count in counts.values()), f"users without their audit entry: {counts}"


def outage(stack: PrivateStack, account: Account, stopService: str) -> tuple[Traffic, float, float]:
    service = stack.redis if stopService == "redis" else stack.postgres
    with Traffic(stack, account.adminToken, account.userToken) as traffic:
        time.sleep(1.5)
        stoppedAt = time.monotonic()
        service.stop()
        time.sleep(3)
        service.start()
        restartedAt = time.monotonic()
        time.sleep(RECOVERY_SECONDS + 2)
    return traffic, stoppedAt, restartedAt


@pytest.mark.parametrize("dependency", ["redis", "postgres"])
async def test_outageMidTrafficAnswers503AndRecovers(stack: PrivateStack, account: Account, dependency: str) -> None:
    traffic, stoppedAt, restartedAt = outage(stack, account, dependency)
    before = [s for s in traffic.samples if s.startedAt + s.seconds < stoppedAt]
    assert before and all(s.status < 500 for s in before), f"unhealthy before: {[s for s in before if s.status >= 500]}"
    assertOutageAnswers(traffic.samples, stoppedAt, restartedAt)
    assertRecovered(traffic.samples, restartedAt)
    if dependency == "postgres":
        # GET me's own pool answers 503 while PostgreSQL is down and serves the profile again after.
        mes = [s for s in traffic.samples if s.kind == "me"]
        assert any(s.status == 503 for s in mes if stoppedAt + 0.5 <= s.startedAt <= restartedAt), mes[-5:]
        assert any(s.status == 200 for s in mes if s.startedAt >= restartedAt), mes[-5:]
    registers = [s for s in traffic.samples if s.kind == "register"]
    assert traffic.registered, f"no registration succeeded: {registers[:3]}"
    await assertEveryUserAudited(stack, traffic.registered)
