from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

ROOT_DIR = Path(__file__).resolve().parents[1]
if str(ROOT_DIR) not in sys.path:
    sys.path.insert(0, str(ROOT_DIR))  # run as a script: imports resolve from the repo root
from bench.benchGateway import BenchGateway  # noqa: E402
from bench.wrkMeasure import childPids, measure, nginxWorkers, runWrk  # noqa: E402
from tests.support.processes import freePort  # noqa: E402

# Gateway limiter benchmark (issue 6). One nginx worker, wrk on loopback, each case run the same
# bounded time: (a) bare `return 429`, (b) our limiter rejecting a flood from one key, (c) proxied
# /health without and with the limiter, (d) the same limit in a hand-written ASGI middleware (Redis INCR),
# (d2) the same limit with slowapi, the FastAPI limiter a user would otherwise pick.

RULES_KEY = "ksysadmin:settings:rate-limits"
SLOWAPI_ENV = ["uv", "run", "--no-project", "--with", "slowapi", "--with", "fastapi", "--with", "uvicorn[standard]",
               "--with", "redis", "python"]


def waitForHttp(url: str, timeout: float = 20.0) -> None:
    import httpx2

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx2.get(url, timeout=1)
            return
        except httpx2.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def benchServer(port: int, realPort: int) -> str:
    # a2 answers like the limiter does (same headers, same envelope) without any Lua.
    envelope = ('{"error":{"code":"rate_limited","message":"Too many requests: retry after 60 s",'
                '"requestId":"$kRequestId","details":[{"retryAfter":60,"routeGroup":"auth"}]}}')
    return f"""
    upstream kservices_real {{
        server 127.0.0.1:{realPort} max_fails=0;
        keepalive 64;
    }}

    server {{
        listen 127.0.0.1:{port};
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        location = /bare429 {{
            return 429;
        }}
        location = /gateway429 {{
            include {ROOT_DIR}/nginx/conf/securityHeaders.conf;
            add_header X-Request-ID $kRequestId always;
            add_header Retry-After 60 always;
            add_header RateLimit-Policy '"auth";q=1;w=60' always;
            add_header RateLimit '"auth";r=0;t=60' always;
            default_type application/json;
            return 429 '{envelope}';
        }}
        location = /app-health {{
            proxy_pass http://kservices_public/health;
        }}
        location = /app-health-limited {{
            include {ROOT_DIR}/nginx/conf/rateLimit.conf;
            proxy_pass http://kservices_public/health;
        }}
        location = /real-health {{
            proxy_pass http://kservices_real/health;
        }}
        location = /real-health-limited {{
            include {ROOT_DIR}/nginx/conf/rateLimit.conf;
            proxy_pass http://kservices_real/health;
        }}
    }}
"""


class Stack:
    def __init__(self, directory: Path, envFile: Path) -> None:
        self.directory = directory
        self.envFile = envFile
        self.realPort = freePort()
        self.redisPort = freePort()
        self.appPort = freePort()
        self.gatewayPort = freePort()
        self.benchPort = freePort()
        self.processes: list[subprocess.Popen[bytes]] = []
        self.runDir = ROOT_DIR / ".run" / "bench-gateway"

    def start(self) -> None:
        self.processes.append(subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.redisPort), "--save", "", "--appendonly",
             "no", "--dir", str(self.directory)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        env = {**os.environ, "BENCH_REDIS_URL": f"redis://127.0.0.1:{self.redisPort}/0"}
        self.processes.append(subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "bench.gatewayPeers:createBenchApp", "--host", "127.0.0.1",
             "--port", str(self.appPort), "--log-level", "warning", "--no-access-log", "--workers", "1"],
            cwd=ROOT_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        waitForHttp(f"http://127.0.0.1:{self.appPort}/health")
        self.peerPort = freePort()
        self.processes.append(subprocess.Popen(
            [*SLOWAPI_ENV, "-m", "uvicorn", "bench.slowapiPeer:app", "--host", "127.0.0.1", "--port",
             str(self.peerPort), "--log-level", "warning", "--no-access-log", "--workers", "1"],
            cwd=ROOT_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        waitForHttp(f"http://127.0.0.1:{self.peerPort}/docs", timeout=120)
        # The real public server (its /health probes PostgreSQL, Redis and the crypto module).
        self.processes.append(subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "public_server:app", "--host", "127.0.0.1", "--port", str(self.realPort),
             "--log-level", "warning", "--no-access-log", "--workers", "1"],
            cwd=ROOT_DIR, env={**os.environ, "KSERVICES_ENV_FILE": str(self.envFile), "LOG_LEVEL": "WARNING"},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        waitForHttp(f"http://127.0.0.1:{self.realPort}/health", timeout=60)

        shutil.rmtree(self.runDir, ignore_errors=True)
        self.runDir.mkdir(parents=True)
        gateway = BenchGateway(self.runDir, self.gatewayPort, self.appPort, "127.0.0.1", self.redisPort, 0, 1)
        gateway.run("renderGateway")
        conf = self.runDir / "nginx.conf"
        text = conf.read_text()
        # Same conditions for every case: no access log, plus the bench-only server.
        text = re.sub(r"access_log [^;]+;", "access_log off;", text)
        closing = text.rstrip().rfind("}")
        conf.write_text(text[:closing] + benchServer(self.benchPort, self.realPort) + "}\n")
        subprocess.run(["nginx", "-t", "-q", "-p", str(self.runDir), "-c", str(conf)], check=True)
        subprocess.run(["nginx", "-p", str(self.runDir), "-c", str(conf)], check=True, env=gateway.environment())
        waitForHttp(f"http://127.0.0.1:{self.gatewayPort}/health/public")

        client = redis.Redis(port=self.redisPort)
        rules = [
            {"routeGroup": "auth", "scope": "ip", "limit": 1, "windowSeconds": 60, "failMode": "open",
             "enabled": True},
            {"routeGroup": "default", "scope": "ip", "limit": 1_000_000_000, "windowSeconds": 60,
             "failMode": "open", "enabled": True},
        ]
        client.set(RULES_KEY, json.dumps({"version": 1, "rules": rules}))
        client.close()
        time.sleep(1.5)

    def stop(self) -> None:
        pidFile = self.runDir / "nginx.pid"
        if pidFile.is_file() and pidFile.read_text().strip():
            subprocess.run(["nginx", "-p", str(self.runDir), "-c", str(self.runDir / "nginx.conf"), "-s", "quit"],
                           check=False)
        for process in reversed(self.processes):
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=10)
        shutil.rmtree(self.runDir, ignore_errors=True)


def ownShare(base: list[dict[str, float]], limited: list[dict[str, float]], appIndex: int) -> float:
    # Per round: the extra nginx + Redis CPU of a limited request over the whole cost of an unlimited
    # one. The upstream does the same work either way, so its (noisy) CPU is left out of the delta.
    shares = []
    for plain, counted in zip(base, limited, strict=True):
        plainSplit, countedSplit = plain["cpuSplit"], counted["cpuSplit"]
        extra = (sum(countedSplit) - countedSplit[appIndex]) - (sum(plainSplit) - plainSplit[appIndex])  # type: ignore[arg-type]
        shares.append(extra / plain["cpuUs"])
    return sorted(shares)[len(shares) // 2]


def describeMachine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        match = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        cpu = match.group(1).strip() if match else cpu
    nginxVersion = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip()
    return (f"{cpu}, {os.cpu_count()} vCPU, {platform.system()} {platform.release()}, {nginxVersion}, "
            f"Python {platform.python_version()}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Gateway rate limiter benchmark (issue 6)")
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5,
                        help="cases run interleaved; the best round of each case is reported")
    parser.add_argument("--env-file", type=Path, default=ROOT_DIR / ".run/test/env",
                        help="env file of the running test stack, for the real public server's /health")
    args = parser.parse_args()
    if not args.env_file.is_file():
        raise SystemExit(f"{args.env_file} is missing: run scripts/test.sh up first")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")

    with tempfile.TemporaryDirectory() as directory:
        stack = Stack(Path(directory), args.env_file)
        try:
            stack.start()
            gateway = f"http://127.0.0.1:{stack.gatewayPort}"
            bench = f"http://127.0.0.1:{stack.benchPort}"
            app = f"http://127.0.0.1:{stack.appPort}"
            import httpx2

            # Exhaust the one-request quota so the floods below are pure rejections.
            httpx2.get(f"{gateway}/api/auth/flood")
            peer = f"http://127.0.0.1:{stack.peerPort}"
            httpx2.get(f"{app}/limited")
            httpx2.get(f"{peer}/limited")
            if any(httpx2.get(url).status_code != 429 for url in
                   (f"{gateway}/api/auth/flood", f"{app}/limited", f"{peer}/limited")):
                raise SystemExit("the flood keys are not limited: check the bench rules")
            nginx = nginxWorkers(stack.runDir)
            redisPid, appPid = stack.processes[0].pid, stack.processes[1].pid
            peerPids = childPids(stack.processes[2].pid)
            realPid = stack.processes[3].pid
            cases = [
                ("a", "nginx bare `return 429` (ceiling)", f"{bench}/bare429", nginx),
                ("a2", "nginx `return 429` with the gateway's headers and envelope, no Lua", f"{bench}/gateway429",
                 nginx),
                ("b", "gateway limiter rejecting a flood from one key", f"{gateway}/api/auth/flood", nginx),
                ("c0", "proxied /health (bench FastAPI app), no limiter", f"{bench}/app-health",
                 [*nginx, appPid, redisPid]),
                ("c1", "proxied /health (bench FastAPI app), with limiter: 1 EVALSHA each",
                 f"{bench}/app-health-limited", [*nginx, appPid, redisPid]),
                ("r0", "proxied /health of the real public server, no limiter", f"{bench}/real-health",
                 [*nginx, realPid, redisPid]),
                ("r1", "proxied /health of the real public server, with limiter", f"{bench}/real-health-limited",
                 [*nginx, realPid, redisPid]),
                ("d", "hand-written ASGI middleware (Redis INCR) in FastAPI rejecting a flood", f"{app}/limited",
                 [appPid, redisPid]),
                ("d2", "slowapi (Redis storage, fixed window) in FastAPI rejecting a flood", f"{peer}/limited",
                 [*peerPids, redisPid]),
            ]
            samples: dict[str, list[dict[str, float]]] = {case[0]: [] for case in cases}
            for roundIndex in range(args.rounds):
                for key, label, url, pids in cases:
                    runWrk(url, 1, args.connections)
                    samples[key].append(measure(url, args.seconds, args.connections, pids))
                    run = samples[key][-1]
                    split = " + ".join(f"{value:.1f}" for value in run["cpuSplit"])  # type: ignore[attr-defined]
                    print(f"round {roundIndex + 1} {key}: {label}: {run['rps']:.0f} req/s, "
                          f"{run['cpuUs']:.1f} us CPU/request ({split})", file=sys.stderr)
            # Best of N: on a shared machine, other load only ever lowers a run's figure (or raises its CPU).
            results = {key: max(runs, key=lambda run: run["rps"]) for key, runs in samples.items()}
            cpu = {key: min(run["cpuUs"] for run in runs) for key, runs in samples.items()}
            appIndex = len(nginx)
            limiterShare = {case: ownShare(samples[f"{case}0"], samples[f"{case}1"], appIndex) for case in "cr"}
        finally:
            stack.stop()

    rows = ["| case | what | req/s | p50 ms | p99 ms | CPU us/request | req/s per busy core |",
            "|---|---|---:|---:|---:|---:|---:|"]
    for key, label, _, _ in cases:
        result = results[key]
        rows.append(f"| {key} | {label} | {result['rps']:,.0f} | {result['p50']:.2f} | {result['p99']:.2f} | "
                    f"{cpu[key]:.1f} | {1e6 / cpu[key]:,.0f} |")

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    ratioB, ratioBCpu = results["b"]["rps"] / results["a"]["rps"], cpu["a"] / cpu["b"]
    ratioB2 = cpu["a2"] / cpu["b"]
    overhead, overheadCpu = 1 - results["c1"]["rps"] / results["c0"]["rps"], 1 - cpu["c0"] / cpu["c1"]
    realOverhead, realOverheadCpu = 1 - results["r1"]["rps"] / results["r0"]["rps"], 1 - cpu["r0"] / cpu["r1"]
    versusPeer, versusPeerCpu = results["b"]["rps"] / results["d2"]["rps"], cpu["d2"] / cpu["b"]
    versusBest, versusBestCpu = results["b"]["rps"] / results["d"]["rps"], cpu["d"] / cpu["b"]
    # Verdicts use CPU per request: on a shared machine it moves far less than req/s does.
    checks = [
        f"- (b) vs (a), target >= 50%: {ratioBCpu:.0%} by CPU per request ({ratioB:.0%} by req/s): "
        f"{verdict(ratioBCpu >= 0.5)}",
        f"- (b) vs (a2) (same headers and body, no Lua): {ratioB2:.0%} by CPU per request",
        f"- limiter cost on allowed requests to the real /health (r1 vs r0), target < 10%: "
        f"{limiterShare['r']:.1%} (the limiter's own nginx + Redis CPU over the request's total, median of "
        f"rounds; all processes: {realOverheadCpu:.1%} by CPU, {realOverhead:.1%} by req/s): "
        f"{verdict(limiterShare['r'] < 0.10)}",
        f"- the same against the trivial endpoint (c1 vs c0), stricter than the issue asks: "
        f"{limiterShare['c']:.1%} (all processes: {overheadCpu:.1%} by CPU, {overhead:.1%} by req/s)",
        f"- (b) vs (d2) slowapi, the peer a user would pick, target >= 20x: {versusPeerCpu:.1f}x by CPU per "
        f"request (uvicorn + Redis; {versusPeer:.1f}x by req/s): {verdict(versusPeerCpu >= 20)}",
        f"- (b) vs (d), the hand-written best case: {versusBestCpu:.1f}x by CPU per request ({versusBest:.1f}x by "
        "req/s)",
    ]
    print(f"Machine: {describeMachine()}")
    print(f"Date: {datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d %H:%M UTC')}; wrk -t1 "
          f"-c{args.connections} -d{args.seconds}s per case, best of {args.rounds} interleaved rounds, "
          "nginx 1 worker (access log off), uvicorn 1 worker, Redis 7 on loopback")
    print()
    print("\n".join(rows))
    print()
    print("\n".join(checks))


if __name__ == "__main__":
    main()
