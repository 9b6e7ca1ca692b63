from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy import text

# Payment benchmark (issue 7): create-payment latency through an nginx proxy against the BRI simulator
# at 50 concurrent clients, then BRI-signed VA notifications with 10% duplicates, checking that no
# payment is settled twice. Needs the test PostgreSQL and Redis (`scripts/test.sh up`).

ROOT_DIR = Path(__file__).resolve().parents[1]
if str(ROOT_DIR) not in sys.path:
    sys.path.insert(0, str(ROOT_DIR))  # run as a script: imports resolve from the repo root
from tests.support.processes import freePort  # noqa: E402

CLIENT_ID = "bench-client"
CLIENT_SECRET = "bench-secret-" + "0123456789abcdef" * 2
INBOUND_CLIENT_ID = "bench-bri"
PREFIX = "/api/payment"
VA_NOTIFY = "/snap/v1.0/transfer-va/notify-payment-intrabank"
SECTION = "## Payment (issue 7)"


def benchApp() -> FastAPI:
    # uvicorn factory: the payment service alone, configured from the environment set by main().
    from KSysPayment.backend.infrastructure.http.paymentService import createPaymentService
    from shared.backend.appFactory import createApp
    from shared.backend.config.settings import loadSettings

    settings = loadSettings()
    return createApp(settings, createPaymentService(settings))


def waitForPort(port: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def nginxConf(runDir: Path, port: int, upstreamPort: int) -> Path:
    conf = runDir / "nginx.conf"
    conf.write_text(f"""
worker_processes 1;
pid {runDir}/nginx.pid;
error_log {runDir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {runDir}/body;
    proxy_temp_path {runDir}/proxy;
    upstream public {{ server 127.0.0.1:{upstreamPort}; keepalive 128; }}
    server {{
        listen 127.0.0.1:{port};
        location /api/payment/ {{
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_pass http://public;
        }}
    }}
}}
""")
    return conf


class Stack:
    def __init__(self, envFile: Path, workers: int) -> None:
        self.envFile = envFile
        self.workers = workers
        self.runDir = Path(tempfile.mkdtemp(prefix="payment-bench-"))
        self.processes: list[subprocess.Popen[bytes]] = []
        self.appPort, self.simPort, self.gatewayPort = freePort(), freePort(), freePort()
        self.nginxConf: Path | None = None

    def spawn(self, args: list[str], env: dict[str, str], port: int) -> None:
        log = (self.runDir / f"{port}.log").open("wb")
        process = subprocess.Popen(args, env=env, cwd=ROOT_DIR, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        waitForPort(port, process)

    def start(self) -> None:
        from KSysPayment.backend.infrastructure.bri.generateKeys import generatePairs

        keys = self.runDir / "keys"
        generatePairs(keys)
        python = sys.executable
        simEnv = {**os.environ, "SIM_CLIENT_ID": CLIENT_ID, "SIM_CLIENT_SECRET": CLIENT_SECRET,
                  "SIM_INBOUND_CLIENT_ID": INBOUND_CLIENT_ID,
                  "SIM_MERCHANT_PUBLIC_KEY_PATH": str(keys / "merchant_public.pem"),
                  "SIM_PRIVATE_KEY_PATH": str(keys / "bri_private.pem"),
                  "SIM_MERCHANT_BASE_URL": f"http://127.0.0.1:{self.gatewayPort}{PREFIX}"}
        self.spawn([python, "-m", "uvicorn", "KSysPayment.simulator.app:app", "--port", str(self.simPort),
                    "--log-level", "warning", "--timeout-keep-alive", "75"], simEnv, self.simPort)
        appEnv = {**os.environ, "KSERVICES_ENV_FILE": str(self.envFile), "LOG_LEVEL": "WARNING",
                  "BRI_BASE_URL": f"http://127.0.0.1:{self.simPort}", "BRI_CLIENT_ID": CLIENT_ID,
                  "BRI_CLIENT_SECRET": CLIENT_SECRET, "BRI_PARTNER_ID": "BENCH",
                  "BRI_INBOUND_CLIENT_ID": INBOUND_CLIENT_ID,
                  "BRI_PRIVATE_KEY_PATH": str(keys / "merchant_private.pem"),
                  "BRI_PUBLIC_KEY_PATH": str(keys / "bri_public.pem"),
                  "BRI_QRIS_MERCHANT_ID": "000001019000014", "BRI_QRIS_TERMINAL_ID": "A01",
                  "PAYMENT_RECONCILE_INTERVAL_SECONDS": "3600", "DATABASE_POOL_SIZE": "30"}
        self.spawn([python, "-m", "uvicorn", "bench.payment:benchApp", "--factory", "--port", str(self.appPort),
                    "--workers", str(self.workers), "--log-level", "warning", "--no-access-log",
                    "--timeout-keep-alive", "75"],
                   appEnv, self.appPort)
        self.keys = keys
        self.nginxConf = nginxConf(self.runDir, self.gatewayPort, self.appPort)
        subprocess.run(["nginx", "-p", str(self.runDir), "-c", str(self.nginxConf)], check=True)

    def stop(self) -> None:
        if self.nginxConf is not None:
            subprocess.run(["nginx", "-p", str(self.runDir), "-c", str(self.nginxConf), "-s", "quit"], check=False)
        for process in reversed(self.processes):
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in self.runDir.glob("*.log"):
            errors = [line for line in log.read_text(errors="replace").splitlines() if '"level": "error"' in line]
            for line in errors[:3]:
                print(f"{log.name}: {line[:300]}", file=sys.stderr)
        shutil.rmtree(self.runDir, ignore_errors=True)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def makeUsers(count: int) -> list[str]:
    from redis.asyncio import Redis

    from shared.backend.config.settings import loadSettings
    from shared.backend.database.engine import createDatabase
    from shared.backend.security.jwtCodec import JwtCodec
    from shared.backend.security.sessionStore import SessionStore
    from shared.backend.utils.uuid import generateId

    settings = loadSettings()
    database = createDatabase(settings.database)
    redis = Redis.from_url(settings.redis.url.get_secret_value())
    tokens = []
    codec = JwtCodec(settings.jwt)
    async with database.engine.begin() as connection:
        for _ in range(count):
            userId, sessionId = generateId(), generateId()
            await connection.execute(
                text("INSERT INTO users (id, email, password_hash, status) VALUES (:id, :email, 'x', 'active')"),
                {"id": userId, "email": f"bench-{userId.hex}@example.test"})
            token, _ = codec.issue(str(userId), str(sessionId), ["user"], settings.jwt.userAudience, 3600)
            await SessionStore(redis).save(str(sessionId), str(userId), ["user"], int(time.time()) + 3600, 3600)
            tokens.append(token)
    await redis.aclose()
    await database.engine.dispose()
    return tokens


async def createPhase(
    baseUrl: str, tokens: list[str], total: int
) -> tuple[list[float], float, list[dict[str, object]], list[str]]:
    latencies: list[float] = []
    created: list[dict[str, object]] = []
    errors: list[str] = []
    counter = iter(range(total))
    limits = httpx.Limits(max_connections=len(tokens), max_keepalive_connections=len(tokens))
    async with httpx.AsyncClient(base_url=baseUrl, limits=limits, timeout=30) as client:
        async def worker(token: str) -> None:
            for _ in counter:
                headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": secrets.token_hex(16)}
                started = time.perf_counter()
                response = await client.post(f"{PREFIX}/payments", headers=headers,
                                             json={"amount": 15000, "method": "briva", "description": "bench"})
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code == 201:
                    created.append(response.json())
                else:
                    errors.append(f"{response.status_code} {response.json()['error']['code']}")

        started = time.perf_counter()
        await asyncio.gather(*(worker(token) for token in tokens))
        elapsed = time.perf_counter() - started
    return latencies, elapsed, created, errors


async def notifyPhase(baseUrl: str, keys: Path, vaNumbers: list[str], concurrency: int) -> tuple[int, float, int]:
    from KSysPayment.backend.infrastructure.bri.keys import loadPrivateKey
    from KSysPayment.backend.infrastructure.bri.snapSignature import (
        hmacSignature,
        minifiedJson,
        rsaTokenSignature,
        snapTimestamp,
        stringToSign,
    )

    briKey = loadPrivateKey(keys / "bri_private.pem")
    now = datetime.datetime.now(datetime.UTC)
    stamp = snapTimestamp(now)
    async with httpx.AsyncClient(base_url=baseUrl, timeout=30,
                                 limits=httpx.Limits(max_connections=concurrency)) as client:
        tokenResponse = await client.post(f"{PREFIX}/snap/v1.0/access-token/b2b",
                                          content=minifiedJson({"grantType": "client_credentials"}),
                                          headers={"X-CLIENT-KEY": INBOUND_CLIENT_ID, "X-TIMESTAMP": stamp,
                                                   "X-SIGNATURE": rsaTokenSignature(briKey, INBOUND_CLIENT_ID, stamp),
                                                   "Content-Type": "application/json"})
        token = tokenResponse.json()["accessToken"]
        # 10% duplicates: every tenth payment's notification is sent twice.
        jobs = [(va, f"{index:016d}") for index, va in enumerate(vaNumbers)]
        jobs += [job for index, job in enumerate(list(jobs)) if index % 10 == 0]
        requests = []
        for counter, (va, requestId) in enumerate(jobs):
            body = minifiedJson({"partnerServiceId": va[:8], "customerNo": va[8:], "virtualAccountNo": va,
                                 "paymentRequestId": requestId, "trxDateTime": stamp,
                                 "additionalInfo": {"paymentAmount": "15000.00", "terminalId": "9", "bankId": "002"}})
            signature = hmacSignature(CLIENT_SECRET, stringToSign("POST", PREFIX + VA_NOTIFY, token, body, stamp))
            requests.append((body, {"Authorization": f"Bearer {token}", "X-TIMESTAMP": stamp, "X-SIGNATURE": signature,
                                    "Content-Type": "application/json", "X-PARTNER-ID": "77777",
                                    "CHANNEL-ID": "95221", "X-EXTERNAL-ID": f"{counter:020d}"}))
        queue = iter(requests)
        failures = 0

        async def worker() -> None:
            nonlocal failures
            for body, headers in queue:
                response = await client.post(PREFIX + VA_NOTIFY, content=body, headers=headers)
                if response.status_code != 200 or response.json().get("responseCode") != "2003400":
                    failures += 1
                    print(f"notification answered {response.status_code} {response.text[:120]}", file=sys.stderr)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return len(requests), time.perf_counter() - started, failures


async def doubleSettlements(paymentIds: list[str]) -> tuple[int, int]:
    from shared.backend.config.settings import loadSettings
    from shared.backend.database.engine import createDatabase

    database = createDatabase(loadSettings().database)
    async with database.engine.connect() as connection:
        doubles = (await connection.execute(text(
            "SELECT count(*) FROM (SELECT payment_id FROM payment_events WHERE outcome = 'settled' "
            "AND payment_id = ANY(CAST(:ids AS uuid[])) GROUP BY payment_id HAVING count(*) > 1) AS d"),
            {"ids": paymentIds})).scalar_one()
        paid = (await connection.execute(text(
            "SELECT count(*) FROM payments WHERE status = 'paid' AND id = ANY(CAST(:ids AS uuid[]))"),
            {"ids": paymentIds})).scalar_one()
    await database.engine.dispose()
    return int(doubles), int(paid)


def describeMachine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {platform.system()}"


def writeDocs(report: str) -> None:
    path = ROOT_DIR / "docs/benchmarks.md"
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    block = f"{SECTION}\n\n{report}\n"
    updated = pattern.sub(block, current) if pattern.search(current) else current.rstrip("\n") + "\n\n" + block
    path.write_text(updated)


async def run(args: argparse.Namespace, stack: Stack) -> str:
    baseUrl = f"http://127.0.0.1:{stack.gatewayPort}"
    tokens = await makeUsers(args.clients)
    await createPhase(baseUrl, tokens[:5], 50)  # warm-up: pools, token cache
    latencies, elapsed, created, errors = await createPhase(baseUrl, tokens, args.creates)
    vaNumbers = [str(item["virtualAccountNo"]) for item in created]
    # The API shows digits only; BRI's VA number pads the 5-digit BRIVA prefix to 8 characters.
    vaNumbers = ["   " + va for va in vaNumbers]
    sent, notifyElapsed, failures = await notifyPhase(baseUrl, stack.keys, vaNumbers, args.clients)
    doubles, paid = await doubleSettlements([str(item["id"]) for item in created])
    p50, p95, p99 = (percentile(latencies, q) for q in (0.5, 0.95, 0.99))
    rate = len(created) / elapsed
    failed = ", ".join(f"{errors.count(e)} x {e}" for e in sorted(set(errors))) or "none"
    notifyRate = sent / notifyElapsed
    settledRate = paid / notifyElapsed
    ok = {True: "met", False: "NOT met"}
    return "\n".join([
        f"Measured {datetime.date.today()} on {describeMachine()} with `uv run python bench/payment.py "
        f"--write-docs` ({args.workers} uvicorn worker(s) for the payment service, nginx proxy with 1 worker, "
        f"the BRI simulator in its own process, PostgreSQL 15 and Redis 7 from `scripts/test.sh up`, "
        f"all on loopback; the load generator shares the machine; load average {os.getloadavg()[0]:.1f} at the "
        f"end, from other work on the same 2 cores).",
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| create payment (BRIVA), {args.clients} concurrent clients, {len(created)} requests | "
        f"{rate:,.0f} creates/s; p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms | "
        f"p99 < 100 ms: {ok[p99 < 100]} |",
        f"| create errors | {failed} | none |",
        f"| VA notifications, {args.clients} concurrent, {sent} sent ({sent - len(vaNumbers)} duplicates) | "
        f"{notifyRate:,.0f} notifications/s answered, {settledRate:,.0f} settlements/s; {failures} non-success "
        f"replies | >= 500/s: {ok[notifyRate >= 500]} |",
        f"| double settlements | {doubles} ({paid} of {len(created)} payments paid) | 0: {ok[doubles == 0]} |",
        "",
        "A create is two PostgreSQL transactions plus one signed BRI call (create-va) to the simulator; a "
        "notification is token lookup in Redis, HMAC check over the raw body, and one transaction (row lock, "
        "event insert with ON CONFLICT DO NOTHING, state change, audit row). The proxy is a plain nginx "
        "location without the gateway's Lua limiter (its cost is measured in the gateway section).",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description="Payment benchmark (issue 7)")
    parser.add_argument("--env-file", type=Path, default=ROOT_DIR / ".run/test/env")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--creates", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    if not args.env_file.is_file():
        raise SystemExit(f"{args.env_file} is missing: run scripts/test.sh up first")
    os.environ["KSERVICES_ENV_FILE"] = str(args.env_file)
    stack = Stack(args.env_file, args.workers)
    try:
        stack.start()
        report = asyncio.run(run(args, stack))
    except Exception:
        for log in stack.runDir.glob("*.log"):
            lines = log.read_text(errors="replace").splitlines()
            print(f"--- {log.name}", *[line[:400] for line in lines[-15:]], sep="\n", file=sys.stderr)
        raise
    finally:
        stack.stop()
    print(report)
    if args.write_docs:
        writeDocs(report)


if __name__ == "__main__":
    main()
