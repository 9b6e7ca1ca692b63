from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable
from dataclasses import dataclass, field

import httpx2
from sqlalchemy import text

from bench.testStackEnv import useTestStackEnv
from shared.backend.config.settings import Settings, loadSettings
from shared.backend.database.engine import createDatabase
from shared.backend.redis.client import createRedisClient
from shared.backend.security.passwordHasher import PasswordHasher
from tests.security.securitySupport import AccountFactory

# Mixed load through the test stack's gateway (issue 9). Loopback only; bounded by --seconds.
# Run: uv run python -m bench.load [--seconds 60 --clients 200] (needs scripts/test.sh up).
PASSWORD = "Load-bench passphrase 2026!"  # noqa: S105 - a throwaway test account


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    payments: list[str] = field(default_factory=list)
    simulated: list[str] = field(default_factory=list)
    transportErrors: Counter[str] = field(default_factory=Counter)

    def record(self, route: str, status: int, seconds: float) -> None:
        self.latencies[route].append(seconds)
        self.statuses[route][status] += 1


@dataclass
class Client:
    email: str
    access: str = ""
    refresh: str = ""


async def timed(stats: Stats, route: str, call: Awaitable[httpx2.Response]) -> httpx2.Response | None:
    started = time.perf_counter()
    try:
        response = await call
    except httpx2.HTTPError as error:
        stats.record(route, 0, time.perf_counter() - started)
        stats.transportErrors[type(error).__name__] += 1
        return None
    stats.record(route, response.status_code, time.perf_counter() - started)
    return response


async def login(http: httpx2.AsyncClient, base: str, stats: Stats, client: Client) -> None:
    response = await timed(stats, "POST login", http.post(f"{base}/api/auth/login",
                                                          json={"email": client.email, "password": PASSWORD}))
    if response is not None and response.status_code == 200:
        client.access, client.refresh = response.json()["accessToken"], response.json()["refreshToken"]


async def worker(http: httpx2.AsyncClient, base: str, stats: Stats, client: Client, adminToken: str,
                 deadline: float) -> None:
    await login(http, base, stats, client)
    while time.monotonic() < deadline:
        auth = {"Authorization": f"Bearer {client.access}"}
        roll = random.random()
        if roll < 0.30:
            await timed(stats, "GET me", http.get(f"{base}/api/auth/me", headers=auth))
        elif roll < 0.45:
            key = os.urandom(12).hex()
            response = await timed(stats, "POST payments", http.post(
                f"{base}/api/payment/payments", json={"amount": 15000, "method": "briva"},
                headers=auth | {"Idempotency-Key": key}))
            if response is not None and response.status_code == 201:
                paymentId = response.json()["id"]
                stats.payments.append(paymentId)
                if random.random() < 0.2:
                    paid = await timed(stats, "POST simulate", http.post(
                        f"{base}/api/payment/dev/simulate-payment", json={"paymentId": paymentId}, headers=auth))
                    if paid is not None and paid.status_code == 200:
                        stats.simulated.append(paymentId)
        elif roll < 0.60:
            await timed(stats, "GET payments", http.get(f"{base}/api/payment/payments?limit=10", headers=auth))
        elif roll < 0.75:
            admin = {"Authorization": f"Bearer {adminToken}"}
            await timed(stats, "GET admin users", http.get(
                f"{base}/api/admin/users?emailPrefix=load-&limit=20", headers=admin))
        elif roll < 0.88 and client.refresh:
            response = await timed(stats, "POST refresh", http.post(f"{base}/api/auth/refresh",
                                                                    json={"refreshToken": client.refresh}))
            if response is not None and response.status_code == 200:
                client.access, client.refresh = response.json()["accessToken"], response.json()["refreshToken"]
        else:
            await login(http, base, stats, client)


async def createClients(settings: Settings, count: int) -> tuple[list[Client], str]:
    database = createDatabase(settings.database)
    redis = createRedisClient(settings.redis)
    passwordHash = PasswordHasher(settings.auth).hashSync(PASSWORD)
    factory = AccountFactory(settings, database, redis)
    clients: list[Client] = []
    for _ in range(count):
        account = await factory.create(["user"], "load")
        clients.append(Client(account.email))
    admin = await factory.create(["user", "admin"], "load-admin")
    async with database.engine.begin() as connection:
        await connection.execute(text("UPDATE users SET password_hash = :h WHERE email LIKE 'load-%'"),
                                 {"h": passwordHash})
    await redis.aclose()
    await database.engine.dispose()
    return clients, admin.adminToken


async def verifyWrites(settings: Settings, stats: Stats) -> list[str]:
    database = createDatabase(settings.database)
    problems: list[str] = []
    async with database.engine.connect() as connection:
        payments = dict((await connection.execute(text(
            "SELECT id::text, count(*) FROM payments WHERE id::text = ANY(:ids) GROUP BY id"),
            {"ids": stats.payments})).all())
        audits = dict((await connection.execute(text(
            "SELECT target_id, count(*) FROM audit_logs WHERE action = 'payment.created' AND target_id = ANY(:ids) "
            "GROUP BY target_id"), {"ids": stats.payments})).all())
        events = dict((await connection.execute(text(
            "SELECT payment_id::text, count(*) FROM payment_events WHERE payment_id::text = ANY(:ids) "
            "AND outcome = 'settled' GROUP BY payment_id"), {"ids": stats.simulated})).all())
    await database.engine.dispose()
    problems += [f"payment {p} stored {payments.get(p, 0)} times" for p in stats.payments if payments.get(p) != 1]
    problems += [f"payment {p} has {audits.get(p, 0)} created audits" for p in stats.payments if audits.get(p) != 1]
    problems += [f"payment {p} has {events.get(p, 0)} settled events" for p in stats.simulated if events.get(p) != 1]
    return problems


def report(stats: Stats, seconds: float) -> None:
    total = sum(len(values) for values in stats.latencies.values())
    print(f"{total} requests in {seconds:.0f} s: {total / seconds:.0f} req/s")
    print("| route | requests | p50 ms | p99 ms | statuses |")
    print("|---|---|---|---|---|")
    for route in sorted(stats.latencies):
        values = sorted(stats.latencies[route])
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        codes = ", ".join(f"{code}: {n}" for code, n in sorted(stats.statuses[route].items()))
        print(f"| {route} | {len(values)} | {statistics.median(values) * 1000:.1f} | {p99 * 1000:.1f} | {codes} |")


async def main() -> int:
    parser = argparse.ArgumentParser(description="Mixed load through the test gateway (issue 9)")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=200)
    args = parser.parse_args()
    useTestStackEnv()
    settings = loadSettings()
    base = f"http://127.0.0.1:{settings.gateway.port}"
    clients, adminToken = await createClients(settings, args.clients)
    stats = Stats()
    limits = httpx2.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
    started = time.monotonic()
    async with httpx2.AsyncClient(timeout=30, limits=limits) as http:
        deadline = started + args.seconds
        await asyncio.gather(*(worker(http, base, stats, c, adminToken, deadline) for c in clients))
    report(stats, time.monotonic() - started)
    serverErrors = sum(n for codes in stats.statuses.values() for code, n in codes.items() if code >= 500 or code == 0)
    problems = await verifyWrites(settings, stats)
    print(f"transport errors by type: {dict(stats.transportErrors)}")
    print(f"5xx or transport errors: {serverErrors}; payments created: {len(stats.payments)}, "
          f"settled by simulation: {len(stats.simulated)}; write problems: {len(problems)}")
    for problem in problems[:20]:
        print("  " + problem)
    return 1 if serverErrors or problems else 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
