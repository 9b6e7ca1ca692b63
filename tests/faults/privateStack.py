from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx2

from tests.support.processes import PostgresProcess, RedisProcess, postgresBin

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = ROOT / "KSysAdmin/backend/infrastructure/database"


def lowFreePort() -> int:
    # Below the ephemeral range, so a private server never collides with an outgoing connection.
    for _ in range(200):
        port = random.randint(20000, 32000)
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port below 32768")


def waitHealthy(url: str, timeout: float = 60, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}")
        try:
            if httpx2.get(url, timeout=2).status_code == 200:
                return
        except httpx2.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} never became healthy")


class PrivateStack:
    def __init__(self, directory: Path, baseEnvFile: Path) -> None:
        self.directory = directory
        self.redis = RedisProcess(directory)
        self.postgres = PostgresProcess(directory)
        self.baseEnvFile = baseEnvFile
        self.envFile = directory / "env"
        self.servers: dict[str, subprocess.Popen[bytes]] = {}
        self.ports: dict[str, int] = {}

    @property
    def databaseUrl(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.postgres.port}/kservices_faults"

    def writeEnv(self) -> None:
        lines = [line for line in self.baseEnvFile.read_text().splitlines()
                 if not line.startswith(("DATABASE_URL=", "REDIS_URL=", "MAIL_OUTBOX_DIR="))]
        lines += [f"DATABASE_URL={self.databaseUrl}", f"REDIS_URL={self.redis.url}",
                  f"MAIL_OUTBOX_DIR={self.directory / 'mail'}", "DATABASE_CONNECT_TIMEOUT_SECONDS=2"]
        self.envFile.write_text("\n".join(lines) + "\n")

    def prepare(self) -> None:
        # Redis, PostgreSQL, the migrated database and the env file; no server yet.
        self.redis.start()
        self.postgres.start()
        subprocess.run([postgresBin("createdb"), "-h", "127.0.0.1", "-p", str(self.postgres.port), "-U", "postgres",
                        "kservices_faults"], check=True, capture_output=True, timeout=30)
        self.writeEnv()
        subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=MIGRATIONS, env=self.serverEnv(),
                       check=True, capture_output=True, timeout=120)

    def serverEnv(self, extraEnv: dict[str, str] | None = None) -> dict[str, str]:
        return os.environ | {"KSERVICES_ENV_FILE": str(self.envFile)} | (extraEnv or {})

    def launch(self, name: str, app: str, extraEnv: dict[str, str] | None = None) -> None:
        # A restart keeps the port; its own session, so a kill of its process group reaches only this server.
        port = self.ports.setdefault(name, lowFreePort())
        log = (self.directory / f"{name}.log").open("ab")
        self.servers[name] = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
             "--log-level", "warning"], cwd=ROOT, env=self.serverEnv(extraEnv), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        log.close()

    def kill(self, name: str) -> None:
        process = self.servers[name]
        if process.poll() is None:  # a reaped pid may belong to someone else by now
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)

    def terminate(self, name: str) -> None:
        process = self.servers[name]
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill(name)

    def start(self) -> None:
        self.prepare()
        for name, app in (("public", "public_server:app"), ("admin", "admin_server:app")):
            self.launch(name, app)
        for name, process in self.servers.items():
            waitHealthy(self.url(name, "/health"), process=process)

    def url(self, name: str, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}{path}"

    def stop(self) -> None:
        for name in self.servers:
            self.terminate(name)
        self.redis.stop()
        try:
            self.postgres.stop()
        except subprocess.CalledProcessError as error:
            print(f"private PostgreSQL stop failed: {error.stderr!r}")


# A private stack in a directory of its own, stopped after and removed unless KEEP_FAULTS_DIR is set. Not under
# pytest's tmp dir: a concurrent pytest resets its mode to 0700, locking out the postgres user.
@contextlib.contextmanager
def privateStackIn(prefix: str) -> Iterator[PrivateStack]:
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    private = PrivateStack(directory, Path(os.environ["KSERVICES_ENV_FILE"]))
    try:
        yield private
    finally:
        private.stop()
        if not os.environ.get("KEEP_FAULTS_DIR"):
            shutil.rmtree(directory, ignore_errors=True)


@dataclass(frozen=True)
class Sample:
    kind: str
    startedAt: float
    status: int
    seconds: float
    envelope: bool
    detail: str = ""


@dataclass
class Traffic:
    stack: PrivateStack
    adminToken: str
    userToken: str
    samples: list[Sample] = field(default_factory=list)
    registered: list[str] = field(default_factory=list)
    stopEvent: threading.Event = field(default_factory=threading.Event)

    def requests(self, counter: int) -> list[tuple[str, str, str, dict[str, object] | None, dict[str, str]]]:
        email = f"fault-{os.getpid()}-{counter}-{random.randint(0, 10**9)}@example.com"
        return [
            ("health", "GET", self.stack.url("public", "/health"), None, {}),
            ("register", "POST", self.stack.url("public", "/api/auth/register"),
             {"email": email, "password": "Fault-tolerant passphrase 42!"}, {}),
            ("adminUsers", "GET", self.stack.url("admin", "/api/admin/users?limit=5"), None,
             {"Authorization": f"Bearer {self.adminToken}"}),
            # GET me reads through KAuthApp's own autocommit pool.
            ("me", "GET", self.stack.url("public", "/api/auth/me"), None,
             {"Authorization": f"Bearer {self.userToken}"}),
        ]

    def run(self) -> None:
        counter = 0
        with httpx2.Client(timeout=10) as client:
            while not self.stopEvent.is_set():
                counter += 1
                for kind, method, url, body, headers in self.requests(counter):
                    started = time.monotonic()
                    try:
                        response = client.request(method, url, json=body, headers=headers)
                        status, text = response.status_code, response.text
                    except httpx2.HTTPError as error:
                        status, text = 0, repr(error)
                    envelope = '"error"' in text and '"requestId"' in text
                    self.samples.append(Sample(kind, started, status, time.monotonic() - started, envelope, text[:200]))
                    if kind == "register" and status == 202 and body is not None:
                        self.registered.append(str(body["email"]))
                time.sleep(0.05)

    def __enter__(self) -> Traffic:
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopEvent.set()
        self.thread.join(timeout=30)
