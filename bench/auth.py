from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from argon2 import PasswordHasher as Argon2Hasher

from bench.benchGateway import BenchGateway
from bench.wrkMeasure import wrk
from shared.backend.config.settings import loadSettings

# KAuthApp benchmark (issue 5): raw Argon2id verifies/s on the same cores next to logins/s, and
# authenticated GET /api/auth/me requests/s and p99. Runs against the test stack's PostgreSQL and Redis
# (scripts/test.sh up) with its own `uvicorn public_server:app --workers N` behind its own gateway; --url
# measures another deployment instead (and the test stack's gateway). The
# peer is fastapi-users (JWT strategy, same PostgreSQL server, same worker count) serving /users/me,
# started in a throwaway uv environment (see bench/fastapiUsersPeer.py).

ROOT_DIR = Path(__file__).resolve().parents[1]
PASSWORD = "bench passphrase that is long 1"  # noqa: S105 (a throwaway bench account)
LOGIN_ACCOUNTS = 16
# Each login locks its account's row while Argon2 runs (lockout counters), so the flood rotates over
# LOGIN_ACCOUNTS accounts, each wrk thread starting half-way round from the other.
LOGIN_SCRIPT = """
local bodies = {%s}
local threads = 0
function setup(thread)
  thread:set("offset", threads * #bodies / 2)
  threads = threads + 1
end
function init(args)
  position = offset or 0
end
function request()
  position = position %% #bodies + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, bodies[position])
end
"""


def freePort() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rawArgon2Rate(seconds: float, threads: int) -> float:
    settings = loadSettings().auth
    hasher = Argon2Hasher(time_cost=settings.argon2TimeCost, memory_cost=settings.argon2MemoryKib,
                          parallelism=settings.argon2Parallelism)
    encoded = hasher.hash(PASSWORD)
    deadline = time.perf_counter() + seconds

    def worker() -> int:
        count = 0
        while time.perf_counter() < deadline:
            hasher.verify(encoded, PASSWORD)
            count += 1
        return count

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        total = sum(pool.map(lambda _: worker(), range(threads)))
    return total / (time.perf_counter() - started)


# Each worker hashes on cores/workers threads, as .env.example advises for N workers (AUTH_HASH_THREADS).
def hashThreads(workers: int) -> int:
    return max(1, (os.cpu_count() or 1) // workers)


def startServer(port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "AUTH_HASH_THREADS": str(hashThreads(workers))}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "public_server:app", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers), "--log-level", "warning", "--no-access-log"],
        cwd=ROOT_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    waitForServer(f"http://127.0.0.1:{port}/health", process)
    return process


def waitForServer(url: str, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    if process is not None:
        os.killpg(process.pid, signal.SIGTERM)
    raise RuntimeError(f"{url} did not answer")


def stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


PEER_DEPS = ["--with", "fastapi-users[sqlalchemy]", "--with", "asyncpg", "--with", "uvicorn"]


def startPeer(port: int, workers: int, pgPort: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "BENCH_PEER_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:{pgPort}/bench_peer"}
    base = ["uv", "run", "--no-project", *PEER_DEPS]
    subprocess.run([*base, "python", "fastapiUsersPeer.py", "--init"], cwd=ROOT_DIR / "bench", env=env, check=True,
                   capture_output=True)
    process = subprocess.Popen(
        [*base, "python", "-m", "uvicorn", "--factory", "fastapiUsersPeer:createPeerApp", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"],
        cwd=ROOT_DIR / "bench", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    waitForServer(f"http://127.0.0.1:{port}/docs", process)
    return process


def peerToken(baseUrl: str) -> str:
    email = f"peer-{uuid.uuid4().hex[:10]}@example.com"
    httpx.post(f"{baseUrl}/auth/register", json={"email": email, "password": PASSWORD}, timeout=30).raise_for_status()
    login = httpx.post(f"{baseUrl}/auth/jwt/login", data={"username": email, "password": PASSWORD}, timeout=30)
    login.raise_for_status()
    return str(login.json()["access_token"])


def prepareUsers(baseUrl: str, count: int) -> tuple[list[str], str]:
    import asyncio

    from sqlalchemy import text

    from shared.backend.database.engine import createDatabase

    emails = [f"bench-{uuid.uuid4().hex[:10]}@example.com" for _ in range(count)]
    for email in emails:
        response = httpx.post(f"{baseUrl}/api/auth/register", json={"email": email, "password": PASSWORD},
                              timeout=30)
        response.raise_for_status()

    async def verify() -> None:
        database = createDatabase(loadSettings().database)
        async with database.engine.begin() as connection:
            await connection.execute(text("UPDATE users SET status = 'active', email_verified_at = now() "
                                          "WHERE email = ANY(:emails)"), {"emails": emails})
        await database.engine.dispose()

    asyncio.run(verify())
    login = httpx.post(f"{baseUrl}/api/auth/login", json={"email": emails[0], "password": PASSWORD}, timeout=30)
    login.raise_for_status()
    return emails, login.json()["accessToken"]


def benchGateway(runDir: Path, serverPort: int, redisUrl: str) -> BenchGateway:
    # A gateway of our own (limits x1000 as in the test stack) in front of the bench server, so GET me
    # through the gateway runs on the same worker count as the peer.
    redis = urlsplit(redisUrl)
    return BenchGateway(runDir, freePort(), serverPort, redis.hostname or "127.0.0.1", redis.port or 6379,
                        int(redis.path.strip("/") or "0"), 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description="KAuthApp login and GET me benchmark")
    parser.add_argument("--url", help="measure this base URL instead of starting a server")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    options = parser.parse_args()
    os.environ.setdefault("KSERVICES_ENV_FILE", str(ROOT_DIR / ".run/test/env"))
    settings = loadSettings()
    server = peer = None
    baseUrl = options.url
    gatewayRun = Path(tempfile.mkdtemp(prefix="auth-bench-gateway-"))
    gateway: BenchGateway | None = None
    gatewayUrl = f"http://127.0.0.1:{settings.gateway.port}"  # with --url: the test stack's gateway
    gatewayLabel = "test gateway"
    try:
        if baseUrl is None:
            port = freePort()
            server = startServer(port, options.workers)
            baseUrl = f"http://127.0.0.1:{port}"
            gateway = benchGateway(gatewayRun, port, settings.redis.url.get_secret_value())
            gateway.run("startGateway")
            gatewayUrl = f"http://127.0.0.1:{gateway.port}"
            waitForServer(f"{gatewayUrl}/health/public")
            gatewayLabel = "its gateway"
        emails, accessToken = prepareUsers(baseUrl, LOGIN_ACCOUNTS)
        raw = rawArgon2Rate(options.seconds, options.workers)
        bodies = ", ".join(repr(json.dumps({"email": email, "password": PASSWORD})) for email in emails)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(LOGIN_SCRIPT % bodies)
        logins = wrk(["-t2", f"-c{options.workers * 4}", f"-d{options.seconds}s", "-s", script.name,
                         f"{baseUrl}/api/auth/login"])
        me = wrk(["-t2", f"-c{options.connections}", f"-d{options.seconds}s", "-H",
                     f"Authorization: Bearer {accessToken}", f"{baseUrl}/api/auth/me"])
        Path(script.name).unlink(missing_ok=True)
        viaGateway = wrk(["-t2", f"-c{options.connections}", f"-d{options.seconds}s", "-H",
                             f"Authorization: Bearer {accessToken}", f"{gatewayUrl}/api/auth/me"])
        pgPort = str(settings.database.url.get_secret_value().rsplit(":", 1)[1].split("/")[0])
        peerPort = freePort()
        peer = startPeer(peerPort, options.workers, pgPort)
        peerUrl = f"http://127.0.0.1:{peerPort}"
        peerMe = wrk(["-t2", f"-c{options.connections}", f"-d{options.seconds}s", "-H",
                         f"Authorization: Bearer {peerToken(peerUrl)}", f"{peerUrl}/users/me"])
    finally:
        if gateway is not None:
            gateway.run("stopGateway")
        shutil.rmtree(gatewayRun, ignore_errors=True)
        stop(server)
        stop(peer)
    print(f"target: {baseUrl} ({options.workers} workers, {os.cpu_count()} cores, "
          f"AUTH_HASH_THREADS={hashThreads(options.workers) if server else 'as deployed'})")
    print(f"{'case':<34}{'req/s':>10}{'p99 ms':>10}{'non-2xx':>10}")
    print(f"{'raw argon2id verify (' + str(options.workers) + ' threads)':<34}{raw:>10.1f}{'':>10}{'':>10}")
    print(f"{'POST /api/auth/login':<34}{logins['rps']:>10.1f}{logins['p99']:>10.1f}{logins['non2xx']:>10.0f}")
    print(f"{'GET /api/auth/me':<34}{me['rps']:>10.1f}{me['p99']:>10.1f}{me['non2xx']:>10.0f}")
    print(f"{'GET /api/auth/me via ' + gatewayLabel:<34}{viaGateway['rps']:>10.1f}{viaGateway['p99']:>10.1f}"
          f"{viaGateway['non2xx']:>10.0f}")
    print(f"{'peer fastapi-users GET /users/me':<34}{peerMe['rps']:>10.1f}{peerMe['p99']:>10.1f}"
          f"{peerMe['non2xx']:>10.0f}")
    if viaGateway["non2xx"] or me["non2xx"] or logins["non2xx"]:
        raise SystemExit("some answers were not 2xx: the figures above do not count")
    ratio = viaGateway["rps"] / max(peerMe["rps"], 0.1)
    print(f"GET me via gateway / peer = {ratio:.2f}x (target >= 2x)")
    print(f"logins / raw argon2 = {logins['rps'] / raw:.0%} (target >= 85%)")


if __name__ == "__main__":
    main()
