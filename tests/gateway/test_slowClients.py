from __future__ import annotations

import re
import resource
import shutil
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.gateway.conftest import GATEWAY_REDIS_DB, backendAddresses
from tests.gateway.gatewayProcess import GatewayInstance, runDirectory, waitForPort

# nginx's defaults give a client 60 s per step; the gateway's client_header_timeout and client_body_timeout are 10 s.
TIMEOUT = 10
WAIT = 16


def closedAfter(port: int, sent: bytes) -> tuple[str, float]:
    # How the gateway ends a connection that stops sending after `sent`, and after how long.
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as connection:
        started = time.monotonic()
        connection.sendall(sent)
        try:
            received = connection.recv(65536)
        except ConnectionResetError:
            return "reset", time.monotonic() - started
        except TimeoutError:
            return "open", time.monotonic() - started
        return ("closed" if not received else f"answered {received[:40]!r}"), time.monotonic() - started


# A client that sends nothing, half a request head, or half a body holds its connection for 10 s, not 60 s; a
# request that timed out is reset (reset_timedout_connection), so its socket is freed at once.
def test_slowClientsLoseTheirConnectionAfterTenSeconds(limiterGateway: GatewayInstance) -> None:
    cases = {
        "silent": b"",
        "head": b"GET /api/auth/me HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 198.51.100.61\r\n",
        "body": (b"POST /api/payment/payments HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 198.51.100.62\r\n"
                 b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"),
    }
    with ThreadPoolExecutor(len(cases)) as pool:
        futures = {name: pool.submit(closedAfter, limiterGateway.port, sent) for name, sent in cases.items()}
        outcomes = {name: future.result() for name, future in futures.items()}
    expected = {"silent": "closed", "head": "reset", "body": "reset"}
    assert {name: how for name, (how, _) in outcomes.items()} == expected, outcomes
    for name, (_, seconds) in outcomes.items():
        assert TIMEOUT - 1 < seconds < TIMEOUT + 3, (name, seconds)


def workerPids(masterPid: int) -> list[int]:
    return [int(pid) for pid in Path(f"/proc/{masterPid}/task/{masterPid}/children").read_text().split()]


def openFileLimit(pid: int) -> int:
    limits = Path(f"/proc/{pid}/limits").read_text()
    return int(re.search(r"^Max open files\s+(\d+)", limits, re.M).group(1))  # type: ignore[union-attr]


# A worker's limit once it has initialised: the master listens before its workers run their init (setrlimit), so a
# worker read at once may still hold the master's limit (seen on a loaded 2-core machine: 1024).
def settledLimit(pid: int, wanted: int, seconds: float = 5.0) -> int:
    deadline = time.monotonic() + seconds
    while (limit := openFileLimit(pid)) != wanted and time.monotonic() < deadline:
        time.sleep(0.05)
    return limit


def configured(conf: str, directive: str) -> int:
    match = re.search(rf"^\s*{directive} (\d+);", conf, re.M)
    return int(match.group(1)) if match else 0


# Started from a shell whose open-file limit is the usual 1024 (soft; the hard limit is left as it is: raising it
# takes CAP_SYS_RESOURCE, which a container's root may lack), each worker still gets descriptors for all of its
# worker_connections (clients and their upstream connections).
def test_workersGetDescriptorsForTheirConnections(testRedisPort: int) -> None:
    runDir = runDirectory("nofile")
    gateway = GatewayInstance(runDir, testRedisPort, GATEWAY_REDIS_DB, *backendAddresses())
    gateway.render()
    conf = (runDir / "nginx.conf").read_text()
    connections, nofile = configured(conf, "worker_connections"), configured(conf, "worker_rlimit_nofile")
    assert connections >= 4096 and nofile >= 2 * connections
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and hard < nofile:
        shutil.rmtree(runDir, ignore_errors=True)
        pytest.skip(f"the hard open-file limit ({hard}) is below worker_rlimit_nofile ({nofile})")
    try:
        subprocess.run(["nginx", "-p", str(runDir), "-c", str(runDir / "nginx.conf")], check=True, env=gateway.env,
                       capture_output=True, preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard)))
        waitForPort(gateway.port)
        master = int((runDir / "nginx.pid").read_text())
        assert openFileLimit(master) == 1024
        workers = workerPids(master)
        assert workers
        for worker in workers:
            assert settledLimit(worker, nofile) == nofile, worker
        assert "RLIMIT_NOFILE" not in gateway.errorLog.read_text()
    finally:
        gateway.stop()
        shutil.rmtree(runDir, ignore_errors=True)
