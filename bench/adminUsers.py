from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg
import httpx2
import redis
from sqlalchemy.engine import make_url

# Admin users benchmark (issue 4): seeds N users into kservices_bench on the test PostgreSQL (or, with
# --private-servers, on its own PostgreSQL and Redis), runs its own admin_server and gateway against it,
# and times the user list and search pages directly and through the gateway. Reads `.run/test/env`.

if TYPE_CHECKING:
    from tests.support.processes import PostgresProcess, RedisProcess

ROOT_DIR = Path(__file__).resolve().parents[1]
if str(ROOT_DIR) not in sys.path:
    sys.path.insert(0, str(ROOT_DIR))  # run as a script: imports resolve from the repo root
from bench.adminSeed import deepCursor, seed  # noqa: E402
from bench.benchGateway import BenchGateway  # noqa: E402

TEST_ENV = ROOT_DIR / ".run/test/env"
RUN_DIR = ROOT_DIR / ".run/bench-admin"
DOCS = ROOT_DIR / "docs/benchmarks.md"
MIGRATIONS_DIR = ROOT_DIR / "KSysAdmin/backend/infrastructure/database"
SECTION = "## Admin users (issue 4)"
BENCH_DB = "kservices_bench"
BENCH_REDIS_DB = 13
SUPERADMIN = "bench-admin@bench.example"
PASSWORD = "Bench-Superadmin-Passphrase-91"  # noqa: S105 (bench-only account, dropped afterwards)
Case = tuple[str, list[str]]
READING = (
    "Reading: warm, the SQL of a page walks one index and takes about 0.4 ms (EXPLAIN ANALYZE at 1M users "
    "for the first page and status=locked), except `role=admin`, which reads all ~1,000 admin rows and sorts "
    "them (~10 ms). The rest is the Python request path (token check with two queries, the page, the roles of "
    "its users, serialization), 10-20 ms on this shared 2-core machine. With 4 clients on one uvicorn worker the "
    "requests queue, so c=4 is about 3-4x c=1; the gateway's cost is within the noise."
)


def parseArguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Admin users list/search benchmark")
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300, help="timed requests per case and target")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--admin-port", type=int, default=27002)
    parser.add_argument("--gateway-port", type=int, default=27080)
    parser.add_argument("--keep-db", action="store_true", help=f"keep {BENCH_DB} afterwards")
    parser.add_argument("--private-servers", action="store_true", help="own PostgreSQL and Redis, not the test stack's")
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md")
    return parser.parse_args()


def plainDsn(url: str, database: str) -> str:
    return make_url(url).set(drivername="postgresql", database=database).render_as_string(hide_password=False)


def portFree(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def waitForHttp(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx2.get(url, timeout=1).status_code == 200:
                return
        except httpx2.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer 200")


async def recreateDatabase(baseUrl: str, drop: bool = False) -> None:
    connection = await asyncpg.connect(plainDsn(baseUrl, "postgres"))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        if not drop:
            await connection.execute(f'CREATE DATABASE "{BENCH_DB}"')
    finally:
        await connection.close()


def flushBenchRedis(url: str) -> None:
    with redis.Redis.from_url(url) as client:
        client.flushdb()  # db 13 of the test Redis belongs to this benchmark alone


def writeEnvFile(target: Path, databaseUrl: str, redisUrl: str) -> None:
    lines = [line for line in TEST_ENV.read_text().splitlines()
             if not line.startswith(("DATABASE_URL=", "REDIS_URL="))]
    target.write_text("\n".join([*lines, f"DATABASE_URL={databaseUrl}", f"REDIS_URL={redisUrl}"]) + "\n")


def run(command: list[str], envFile: Path, cwd: Path = ROOT_DIR, stdin: str | None = None) -> None:
    env = {**os.environ, "KSERVICES_ENV_FILE": str(envFile), "PYTHONPATH": str(ROOT_DIR)}
    subprocess.run(command, cwd=cwd, env=env, check=True, input=stdin, text=True, stdout=subprocess.DEVNULL)


class Stack:
    def __init__(self, envFile: Path, adminPort: int, gatewayPort: int, redisPort: str) -> None:
        self.envFile = envFile
        self.adminPort = adminPort
        self.gatewayPort = gatewayPort
        self.redisPort = redisPort
        self.admin: subprocess.Popen[bytes] | None = None
        self.gatewayStarted = False

    def shell(self, function: str) -> None:
        BenchGateway(RUN_DIR, self.gatewayPort, self.adminPort, "127.0.0.1", int(self.redisPort), BENCH_REDIS_DB,
                     1000).run(function)

    def start(self) -> None:
        for port in (self.adminPort, self.gatewayPort):
            if not portFree(port):
                raise RuntimeError(f"port {port} is taken")
        env = {**os.environ, "KSERVICES_ENV_FILE": str(self.envFile), "LOG_LEVEL": "WARNING"}
        RUN_DIR.mkdir(parents=True, exist_ok=True)
        self.admin = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "admin_server:app", "--host", "127.0.0.1", "--port", str(self.adminPort),
             "--log-level", "warning", "--no-access-log"],
            cwd=ROOT_DIR, env=env, stdout=subprocess.DEVNULL, stderr=(RUN_DIR / "admin.log").open("wb"))
        waitForHttp(f"http://127.0.0.1:{self.adminPort}/health")
        self.shell("startGateway")
        self.gatewayStarted = True
        waitForHttp(f"http://127.0.0.1:{self.gatewayPort}/health/admin")

    def stop(self) -> None:
        if self.gatewayStarted:
            self.shell("stopGateway")
        if self.admin is not None and self.admin.poll() is None:
            self.admin.send_signal(signal.SIGTERM)
            self.admin.wait(timeout=20)
        shutil.rmtree(RUN_DIR, ignore_errors=True)


async def login(client: httpx2.AsyncClient, baseUrl: str) -> dict[str, str]:
    response = await client.post(f"{baseUrl}/api/admin/auth/login", json={"email": SUPERADMIN, "password": PASSWORD})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['accessToken']}"}


async def cursorChain(
    client: httpx2.AsyncClient, baseUrl: str, headers: dict[str, str], start: str | None
) -> list[str]:
    paths, cursor = [], start
    for _ in range(20):
        path = "/api/admin/users?limit=50" + (f"&cursor={cursor}" if cursor else "")
        body = (await client.get(baseUrl + path, headers=headers)).raise_for_status().json()
        cursor = body["nextCursor"]
        if not cursor:
            raise RuntimeError("ran out of pages")
        paths.append(f"/api/admin/users?limit=50&cursor={cursor}")
    return paths


async def buildCases(client: httpx2.AsyncClient, baseUrl: str, headers: dict[str, str], deep: str) -> list[Case]:
    picker = random.Random(4)
    prefixes = [f"{picker.randrange(16 ** 3):03x}" for _ in range(64)]
    return [
        ("first page, default sort (-createdAt)", ["/api/admin/users?limit=50"]),
        ("keyset pages 2-21 (nextCursor x20)", await cursorChain(client, baseUrl, headers, None)),
        ("keyset 20 pages from the middle row", await cursorChain(client, baseUrl, headers, deep)),
        ("email prefix, 3 chars (~1/4096 of users)", [f"/api/admin/users?emailPrefix={p}" for p in prefixes]),
        ("email prefix, 1 char, sort=email", [f"/api/admin/users?emailPrefix={p[0]}&sort=email" for p in prefixes]),
        ("status=locked (3%)", ["/api/admin/users?status=locked"]),
        ("role=admin (0.1%)", ["/api/admin/users?role=admin"]),
        ("role=user (all)", ["/api/admin/users?role=user"]),
        ("stats/daily?days=30 (not a page)", ["/api/admin/stats/daily?days=30"]),
    ]


async def measure(client: httpx2.AsyncClient, baseUrl: str, headers: dict[str, str], case: Case, count: int,
                  concurrency: int) -> list[float]:
    paths = case[1]
    queue = [paths[index % len(paths)] for index in range(count + 20)]
    timings: list[float] = []

    async def worker() -> None:
        while queue:
            path = queue.pop()
            started = time.perf_counter()
            response = await client.get(baseUrl + path, headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")
            timings.append(elapsed)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return sorted(timings[20:])  # the first 20 answers warm up connections and caches


def percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


async def benchmark(arguments: argparse.Namespace, dsn: str, stack: Stack) -> list[tuple[str, list[float]]]:
    results: list[tuple[str, list[float]]] = []
    limits = httpx2.Limits(max_connections=arguments.concurrency, max_keepalive_connections=arguments.concurrency)
    async with httpx2.AsyncClient(timeout=30, limits=limits) as client:
        deep = await deepCursor(dsn, arguments.users)
        targets = [f"http://127.0.0.1:{stack.adminPort}", f"http://127.0.0.1:{stack.gatewayPort}"]
        cases = await buildCases(client, targets[0], await login(client, targets[0]), deep)
        runs = [(baseUrl, level) for level in (1, arguments.concurrency) for baseUrl in targets]
        for case in cases:
            row: list[float] = []
            for baseUrl, level in runs:
                headers = await login(client, baseUrl)
                timings = await measure(client, baseUrl, headers, case, arguments.requests, level)
                row += [percentile(timings, 0.5), percentile(timings, 0.99)]
            results.append((case[0], row))
            print(f"  {case[0]}: " + " / ".join(f"{value:.1f}" for value in row) + " ms", flush=True)
    return results


def machine() -> str:
    model = "unknown CPU"
    for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
        if line.startswith("Model name:"):
            model = line.split(":", 1)[1].strip()
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}, {platform.system()}"


def cell(row: list[float], index: int) -> str:
    return f"{row[2 * index]:.1f} / {row[2 * index + 1]:.1f}"


def markdown(arguments: argparse.Namespace, results: list[tuple[str, list[float]]], seedSeconds: float) -> str:
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    server = "a private" if arguments.private_servers else "the test"
    text = (
        f"Measured {today} on {machine()} with `uv run python bench/adminUsers.py --users {arguments.users}"
        f"{' --private-servers' if arguments.private_servers else ''}`. {arguments.users:,} users (90% active, 5% "
        "pending, 3% locked, 2% disabled of which half soft-deleted, created over two years in id order like UUID7 "
        f"rows, 0.1% also `admin`) were seeded into `kservices_bench` on {server} PostgreSQL 15 (fsync off) with "
        f"`INSERT ... SELECT generate_series` in {seedSeconds:.1f} s, then `VACUUM ANALYZE`. One `admin_server` "
        "(uvicorn, one worker) and one nginx worker (rendered by `scripts/lib/gateway.sh`, limits x1000) ran against "
        "it; every request carries the admin token, so each one also re-reads the admin account and roles. Latency "
        f"is measured per request by an httpx client, {arguments.requests} requests per cell, one client (c=1) then "
        f"{arguments.concurrency} at once, after 20 warm-up requests; every answer is a 200 page of 50 users (except "
        "the stats row). Cells: p50 / p99 in ms. Load average when the timing started: "
        f"{os.getloadavg()[0]:.1f} (other work shares the machine)."
    )
    lines = [
        SECTION, "", textwrap.fill(text, width=110, break_on_hyphens=False, break_long_words=False), "",
        f"| case | direct c=1 | gateway c=1 | direct c={arguments.concurrency} | gateway c={arguments.concurrency} |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {name} | " + " | ".join(cell(row, index) for index in range(4)) + " |" for name, row in results]
    pages = [row for name, row in results if not name.startswith("stats")]
    worst = max(row[3] for row in pages)
    verdict = "met" if worst < 50 else "NOT met"
    lines += ["", textwrap.fill(READING, width=110), "",
              f"Target p99 < 50 ms for a page of 50 (gateway, c=1): {verdict} (worst {worst:.1f} ms)."]
    return "\n".join(lines) + "\n"


def writeDocs(section: str) -> None:
    text = DOCS.read_text()  # re-read right before editing: other sections change concurrently
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1).rstrip("\n") + "\n"
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOCS.write_text(text)


# `scripts/test.sh up` restarts the shared test servers; --private-servers runs the bench on its own.
def privateServers(folder: Path) -> list[PostgresProcess | RedisProcess]:
    from tests.support.processes import PostgresProcess, RedisProcess

    servers = [PostgresProcess(folder), RedisProcess(folder)]
    for server in servers:
        server.start()
    return servers


def main() -> None:
    from shared.backend.config.settings import loadSettings

    arguments = parseArguments()
    if not TEST_ENV.is_file():
        sys.exit("the test stack is not running: bash scripts/test.sh up")
    settings = loadSettings(TEST_ENV)
    with tempfile.TemporaryDirectory(prefix="bench-admin-") as folder:
        servers = privateServers(Path(folder)) if arguments.private_servers else []
        baseUrl = servers[0].url if servers else settings.database.url.get_secret_value()
        testRedis = make_url(servers[1].url if servers else settings.redis.url.get_secret_value())
        benchUrl = make_url(baseUrl).set(database=BENCH_DB).render_as_string(hide_password=False)
        redisUrl = f"redis://{testRedis.host}:{testRedis.port}/{BENCH_REDIS_DB}"
        dsn = plainDsn(baseUrl, BENCH_DB)
        envFile = Path(folder) / "env"
        writeEnvFile(envFile, benchUrl, redisUrl)
        stack = Stack(envFile, arguments.admin_port, arguments.gateway_port, str(testRedis.port))
        try:
            print(f"creating {BENCH_DB} and migrating", flush=True)
            asyncio.run(recreateDatabase(baseUrl))
            run(["uv", "run", "alembic", "upgrade", "head"], envFile, MIGRATIONS_DIR)
            print(f"seeding {arguments.users:,} users", flush=True)
            seedSeconds = asyncio.run(seed(dsn, arguments.users))
            print(f"  seeded in {seedSeconds:.1f} s", flush=True)
            run(["uv", "run", "python", "-m", "KSysAdmin.backend.infrastructure.cli", "create-superadmin",
                 "--email", SUPERADMIN, "--password-stdin"], envFile, stdin=PASSWORD + "\n")
            stack.start()
            print("timing p50 / p99: direct c=1, gateway c=1, direct c=N, gateway c=N", flush=True)
            results = asyncio.run(benchmark(arguments, dsn, stack))
        finally:
            stack.stop()
            try:
                flushBenchRedis(redisUrl)
                if not arguments.keep_db:
                    asyncio.run(recreateDatabase(baseUrl, drop=True))
            except (OSError, redis.RedisError, asyncpg.PostgresError) as error:
                print(f"cleanup skipped, the test stack went away: {error}", file=sys.stderr)
            for server in reversed(servers):
                server.stop()
    section = markdown(arguments, results, seedSeconds)
    print("\n" + section)
    if not arguments.no_docs:
        writeDocs(section)
        print(f"written to {DOCS.relative_to(ROOT_DIR)}")


if __name__ == "__main__":
    main()
