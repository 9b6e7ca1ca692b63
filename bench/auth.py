from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx2
from argon2 import PasswordHasher as Argon2Hasher

from bench.benchGateway import BenchGateway
from bench.loginCount import SteadyLoginCounter
from bench.testStackEnv import useTestStackEnv
from bench.wrkMeasure import wrk
from shared.backend.config.settings import loadSettings
from tests.support.processes import freePort

# KAuthApp benchmark (issue 5): raw Argon2id verifies/s on the same cores next to logins/s, and
# authenticated GET /api/auth/me requests/s and p99. Runs against the test stack's PostgreSQL and Redis
# (scripts/test.sh up) with its own `uvicorn public_server:app --workers N` behind its own gateway; --url
# measures another deployment instead (and the test stack's gateway). The
# peer is fastapi-users (JWT strategy, same PostgreSQL server, same worker count) serving /users/me,
# started in a throwaway uv environment (see bench/fastapiUsersPeer.py). All of them run side by side for
# --rounds rounds; within a round each target's two cases alternate in --slices short runs. The table gives
# medians and each round's figure, and the ratios are taken within a round, so a change in the machine's
# speed does not favour one side. Logins are counted at steady state from the session rows they wrote
# (bench/loginCount.py), with wrk's whole-run count printed beside.

ROOT_DIR = Path(__file__).resolve().parents[1]
PASSWORD = "bench passphrase that is long 1"  # noqa: S105 (a throwaway bench account)
LOGIN_ACCOUNTS = 16
# The flood rotates over LOGIN_ACCOUNTS accounts, each wrk thread starting half-way round from the other, so
# that logins of one account rarely wait on each other's row lock (docs/auth.md, Login request path).
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


# The settings' Argon2id parameters, as the server hashes with them.
def settingsHasher() -> Argon2Hasher:
    settings = loadSettings().auth
    return Argon2Hasher(time_cost=settings.argon2TimeCost, memory_cost=settings.argon2MemoryKib,
                        parallelism=settings.argon2Parallelism)


def rawArgon2Rate(seconds: float, threads: int) -> float:
    hasher = settingsHasher()
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


# The raw rate hashes on as many threads as the server does: workers x AUTH_HASH_THREADS.
def rawThreads(workers: int) -> int:
    return workers * hashThreads(workers)


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
            if httpx2.get(url, timeout=1).status_code == 200:
                return
        except httpx2.HTTPError:
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
    httpx2.post(f"{baseUrl}/auth/register", json={"email": email, "password": PASSWORD}, timeout=30).raise_for_status()
    login = httpx2.post(f"{baseUrl}/auth/jwt/login", data={"username": email, "password": PASSWORD}, timeout=30)
    login.raise_for_status()
    return str(login.json()["access_token"])


def prepareUsers(baseUrl: str, count: int) -> tuple[list[str], str]:
    import asyncio

    from sqlalchemy import text

    from shared.backend.database.engine import createDatabase

    emails = [f"bench-{uuid.uuid4().hex[:10]}@example.com" for _ in range(count)]
    for email in emails:
        response = httpx2.post(f"{baseUrl}/api/auth/register", json={"email": email, "password": PASSWORD},
                              timeout=30)
        response.raise_for_status()

    async def verify() -> None:
        database = createDatabase(loadSettings().database)
        async with database.engine.begin() as connection:
            await connection.execute(text("UPDATE users SET status = 'active', email_verified_at = now() "
                                          "WHERE email = ANY(:emails)"), {"emails": emails})
            stored = await connection.scalar(text("SELECT password_hash FROM users WHERE email = :email"),
                                             {"email": emails[0]})
        # The raw rate verifies with the settings' parameters: the accounts' hashes must have them, or every
        # login would rehash and the two would not compare.
        if settingsHasher().check_needs_rehash(stored):
            raise SystemExit("the bench accounts' hashes do not use the settings' Argon2id parameters")
        await database.engine.dispose()

    asyncio.run(verify())
    login = httpx2.post(f"{baseUrl}/api/auth/login", json={"email": emails[0], "password": PASSWORD}, timeout=30)
    login.raise_for_status()
    return emails, login.json()["accessToken"]


def benchGateway(runDir: Path, serverPort: int, redisUrl: str) -> BenchGateway:
    # A gateway of our own (limits x1000 as in the test stack) in front of the bench server, so GET me
    # through the gateway runs on the same worker count as the peer.
    redis = urlsplit(redisUrl)
    return BenchGateway(runDir, freePort(), serverPort, redis.hostname or "127.0.0.1", redis.port or 6379,
                        int(redis.path.strip("/") or "0"), 1000)


@dataclass
class Targets:
    baseUrl: str
    gatewayUrl: str
    peerUrl: str
    loginScript: str
    accessToken: str
    peerToken: str
    loginCounter: SteadyLoginCounter


Case = Callable[[int], dict[str, float]]


# Runs the cases in turn, `slices` short runs each, so that a drift in the machine's speed hits every case
# alike; a case's figures are the mean of each rate over its slices, the worst p99 and all non-2xx answers.
def interleaved(cases: dict[str, Case], seconds: int, slices: int) -> dict[str, dict[str, float]]:
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in cases}
    for _ in range(slices):
        for name, case in cases.items():
            runs[name].append(case(max(1, seconds // slices)))
    return {name: {**{key: statistics.mean(run[key] for run in results) for key in ("rps", "wrkRps")
                      if key in results[0]},
                   "p99": max(run["p99"] for run in results),
                   "non2xx": sum(run["non2xx"] for run in results)} for name, results in runs.items()}


# One round: the two pairs that each target compares, interleaved, then GET me direct.
def measureRound(targets: Targets, options: argparse.Namespace) -> dict[str, dict[str, float]]:
    def getMe(url: str, token: str) -> Case:
        return lambda seconds: wrk(["-t2", f"-c{options.connections}", f"-d{seconds}s", "-H",
                                    f"Authorization: Bearer {token}", url])

    # The steady rate from the session rows (bench/loginCount.py), wrk's whole-run figure beside it.
    def login(seconds: int) -> dict[str, float]:
        started = time.time()
        result = wrk(["-t2", f"-c{options.workers * 4}", f"-d{seconds}s", "-s", targets.loginScript,
                      f"{targets.gatewayUrl}/api/auth/login"])
        ended = time.time()
        targets.loginCounter.drain()
        return {**result, "wrkRps": result["rps"], "rps": targets.loginCounter.steadyRate(started, ended)}

    def raw(seconds: int) -> dict[str, float]:
        return {"rps": rawArgon2Rate(seconds, rawThreads(options.workers)), "p99": 0.0, "non2xx": 0.0}

    return {
        **interleaved({"raw": raw, "login": login}, options.seconds, options.slices),
        **interleaved({"gateway": getMe(f"{targets.gatewayUrl}/api/auth/me", targets.accessToken),
                       "peer": getMe(f"{targets.peerUrl}/users/me", targets.peerToken)}, options.seconds,
                      options.slices),
        "me": getMe(f"{targets.baseUrl}/api/auth/me", targets.accessToken)(options.seconds),
    }


def median(rounds: list[dict[str, dict[str, float]]], case: str, field: str) -> float:
    return statistics.median(result[case][field] for result in rounds)


def report(rounds: list[dict[str, dict[str, float]]], options: argparse.Namespace, header: str) -> None:
    labels = {"raw": f"raw argon2id verify ({rawThreads(options.workers)} threads)",
              "login": "POST /api/auth/login via gateway", "me": "GET /api/auth/me",
              "gateway": "GET /api/auth/me via gateway", "peer": "peer fastapi-users GET /users/me"}
    print(header)
    print(f"{'case (median of ' + str(len(rounds)) + ' rounds)':<34}{'req/s':>10}{'p99 ms':>10}{'non-2xx':>10}"
          f"  req/s per round")
    for case, label in labels.items():
        perRound = " ".join(f"{result[case]['rps']:.1f}" for result in rounds)
        p99 = f"{median(rounds, case, 'p99'):.1f}" if case != "raw" else ""
        print(f"{label:<34}{median(rounds, case, 'rps'):>10.1f}{p99:>10}"
              f"{sum(result[case]['non2xx'] for result in rounds):>10.0f}  {perRound}")
    if any(result[case]["non2xx"] for result in rounds for case in labels):
        raise SystemExit("some answers were not 2xx: the figures above do not count")
    ratios = [result["gateway"]["rps"] / max(result["peer"]["rps"], 0.1) for result in rounds]
    shares = [result["login"]["rps"] / result["raw"]["rps"] for result in rounds]
    print(f"GET me via gateway / peer = {statistics.median(ratios):.2f}x median "
          f"({' '.join(f'{ratio:.2f}' for ratio in ratios)}; target >= 2x)")
    print(f"logins / raw argon2 = {statistics.median(shares):.0%} median "
          f"({' '.join(f'{share:.0%}' for share in shares)}; target >= 85%)")
    # wrk's figure counts every answer of the whole run, its closed loop's start and end included.
    wrkShares = [result["login"]["wrkRps"] / result["raw"]["rps"] for result in rounds]
    print(f"  by wrk's whole-run count instead of the steady window: {statistics.median(wrkShares):.0%} median "
          f"({' '.join(f'{share:.0%}' for share in wrkShares)}; logins {median(rounds, 'login', 'wrkRps'):.1f}/s)")
    # The CPU a login costs beyond one verify while every core is busy: cores / logins per s - cores / verifies per s.
    cores = os.cpu_count() or 1
    beside = [1000 * cores * (1 / result["login"]["rps"] - 1 / result["raw"]["rps"]) for result in rounds]
    allowed = [1000 * cores * (1 / 0.85 - 1) / result["raw"]["rps"] for result in rounds]
    print(f"CPU beside the hash per login = {statistics.median(beside):.1f} ms median "
          f"({' '.join(f'{value:.1f}' for value in beside)}); 85% allows {statistics.median(allowed):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description="KAuthApp login and GET me benchmark")
    parser.add_argument("--url", help="measure this base URL instead of starting a server")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--slices", type=int, default=4, help="alternating runs per compared case and round")
    parser.add_argument("--connections", type=int, default=32)
    options = parser.parse_args()
    useTestStackEnv()
    settings = loadSettings()
    server = peer = None
    gatewayRun = Path(tempfile.mkdtemp(prefix="auth-bench-gateway-"))
    gateway: BenchGateway | None = None
    loginCounter: SteadyLoginCounter | None = None
    gatewayUrl = f"http://127.0.0.1:{settings.gateway.port}"  # with --url: the test stack's gateway
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115 (removed below)
    try:
        baseUrl = options.url
        if baseUrl is None:
            port = freePort()
            server = startServer(port, options.workers)
            baseUrl = f"http://127.0.0.1:{port}"
            gateway = benchGateway(gatewayRun, port, settings.redis.url.get_secret_value())
            gateway.run("startGateway")
            gatewayUrl = f"http://127.0.0.1:{gateway.port}"
            waitForServer(f"{gatewayUrl}/health/public")
        emails, accessToken = prepareUsers(baseUrl, LOGIN_ACCOUNTS)
        loginCounter = SteadyLoginCounter(emails)
        bodies = ", ".join(repr(json.dumps({"email": email, "password": PASSWORD})) for email in emails)
        script.write(LOGIN_SCRIPT % bodies)
        script.close()
        pgPort = str(settings.database.url.get_secret_value().rsplit(":", 1)[1].split("/")[0])
        peerPort = freePort()
        peer = startPeer(peerPort, options.workers, pgPort)
        peerUrl = f"http://127.0.0.1:{peerPort}"
        targets = Targets(baseUrl, gatewayUrl, peerUrl, script.name, accessToken, peerToken(peerUrl), loginCounter)
        rounds = [measureRound(targets, options) for _ in range(options.rounds)]
    finally:
        if loginCounter is not None:
            loginCounter.close()
        if gateway is not None:
            gateway.run("stopGateway")
        shutil.rmtree(gatewayRun, ignore_errors=True)
        Path(script.name).unlink(missing_ok=True)
        stop(server)
        stop(peer)
    hashNote = f"AUTH_HASH_THREADS={hashThreads(options.workers)}" if server else "as deployed"
    report(rounds, options, f"target: {baseUrl} ({options.workers} workers, {os.cpu_count()} cores, {hashNote}); "
                            f"gateway {gatewayUrl}; peer {peerUrl}")


if __name__ == "__main__":
    main()
